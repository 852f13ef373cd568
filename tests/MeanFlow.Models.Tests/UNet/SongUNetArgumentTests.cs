using static MeanFlow.Models.Tests.UNet.UNetTestNets;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>Bad configurations and inputs raise .NET exceptions that name the argument and the value.</summary>
public sealed class SongUNetArgumentTests
{
    private static void Rejects<T>(string parameter, string fragment, Action action) where T : ArgumentException
    {
        var e = Assert.Throws<T>(action);
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        Rejects<ArgumentOutOfRangeException>("resolution", "divisible by 2^2 = 4", () => new SongUNetOptions(30, 1, channelMultipliers: new[] { 1, 2, 2 }));
        Rejects<ArgumentOutOfRangeException>("resolution", "got 0", () => new SongUNetOptions(0, 1));
        Rejects<ArgumentOutOfRangeException>("inChannels", "got -1", () => new SongUNetOptions(32, -1));
        Rejects<ArgumentOutOfRangeException>("channelMultipliers", "[1, 0]", () => new SongUNetOptions(32, 3, channelMultipliers: new[] { 1, 0 }));
        Rejects<ArgumentOutOfRangeException>("attentionResolutions", "got 12", () => new SongUNetOptions(32, 3, attentionResolutions: new[] { 12 }));
        Rejects<ArgumentOutOfRangeException>("dropout", "got 1", () => new SongUNetOptions(32, 3, dropout: 1.0));
        Rejects<ArgumentOutOfRangeException>("resampleFilter", "[1, 2, 1]", () => new SongUNetOptions(32, 3, resampleFilter: new[] { 1.0, 2, 1 }));
        Rejects<ArgumentOutOfRangeException>("noiseMultiplier", "got 2", () => new SongUNetOptions(8, 1, modelChannels: 1, channelMultipliers: new[] { 4 }, noiseMultiplier: 2));
        Rejects<ArgumentOutOfRangeException>("ModelChannels", "136 channels", () => new SongUNetOptions(32, 3, modelChannels: 136, channelMultipliers: new[] { 1 }));
        Rejects<ArgumentOutOfRangeException>("ModelChannels", "14 channels", () => new SongUNetOptions(8, 3, modelChannels: 14, channelMultipliers: new[] { 1 }));
        Rejects<ArgumentOutOfRangeException>("AttentionHeads", "got 3", () => new SongUNetOptions(32, 3, modelChannels: 16, attentionHeads: 3));
        Rejects<ArgumentOutOfRangeException>("timeScale", "got 0", () => new SongUNetOptions(32, 3, timeScale: 0));
        Rejects<ArgumentOutOfRangeException>("classes", "got -2", () => new SongUNetOptions(32, 3, classes: -2));
        Rejects<ArgumentOutOfRangeException>("mode", "Unknown", () => new SongUNetOptions(32, 3, conditioning: (TimeConditioning)7));
        Assert.Throws<ArgumentNullException>(() => new SongUNet(null!));
    }

    [Fact]
    public void BadInputsAreRejected()
    {
        using var net = new SongUNet(TinyOptions(), dtype: ScalarType.Float64);
        using var conditional = new SongUNet(TinyOptions(classes: Classes), dtype: ScalarType.Float64);
        var (z, r, t) = Inputs(3, 1);
        Rejects<ArgumentException>("z", "[B, 2, 8, 8]", () => net.AverageVelocity(zeros(3, 2, 8, 6, dtype: ScalarType.Float64), r, t));
        Rejects<ArgumentException>("z", "[B, 2, 8, 8]", () => net.AverageVelocity(zeros(3, 1, 8, 8, dtype: ScalarType.Float64), r, t));
        Rejects<ArgumentException>("z", "floating-point", () => net.AverageVelocity(zeros(3, 2, 8, 8, dtype: ScalarType.Int64), r, t));
        Rejects<ArgumentException>("z", "parameters are Float64", () => net.AverageVelocity(z.to(ScalarType.Float32), r.to(ScalarType.Float32), t.to(ScalarType.Float32)));
        Rejects<ArgumentException>("r", "[3]", () => net.AverageVelocity(z, r.narrow(0, 0, 2), t));
        Rejects<ArgumentException>("t", "Float64", () => net.AverageVelocity(z, r, t.to(ScalarType.Float32)));
        Rejects<ArgumentException>("labels", "unconditional", () => net.AverageVelocity(z, r, t, Labels(0, 1, 2)));
        Rejects<ArgumentException>("labels", "int64 [3]", () => conditional.AverageVelocity(z, r, t, Labels(0, 1)));
        Rejects<ArgumentOutOfRangeException>("labels", "from 0 to 4", () => conditional.AverageVelocity(z, r, t, Labels(0, 4, 1)));
        Rejects<ArgumentOutOfRangeException>("labels", "from -1 to 1", () => conditional.AverageVelocity(z, r, t, Labels(0, -1, 1)));
        Assert.Throws<ArgumentNullException>(() => net.AverageVelocity(null!, r, t));

        var tooMany = InputTangent.AlongTrajectory(zeros(4, 2, 8, 8, dtype: ScalarType.Float64));
        Rejects<ArgumentException>("tangent", "K ≤ 3", () => net.AverageVelocityWithTangent(z, r, t, null, tooMany));
        var wrongShape = InputTangent.AlongTrajectory(zeros(2, 2, 4, 4, dtype: ScalarType.Float64));
        Rejects<ArgumentException>("tangent", "[2, 2, 4, 4]", () => net.AverageVelocityWithTangent(z, r, t, null, wrongShape));
        Assert.Throws<ArgumentNullException>(() => net.AverageVelocityWithTangent(z, r, t, null, null!));
        Rejects<ArgumentException>("z", "same rows or none",
            () => net.Forward(new Dual(z, zeros(2, 2, 8, 8, dtype: ScalarType.Float64)), new Dual(r), new Dual(t)));
    }
}

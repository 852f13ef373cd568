using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>
/// A U-Net large enough that its GroupNorm tangents at the two image levels take the fused path
/// (≥ <see cref="SymmetricJacobian.MinimumElements"/> elements): the
/// forward-mode tangent still equals Core's double-backward JVP in float64.
/// </summary>
public sealed class SongUNetFusedTangentTests
{
    [Fact]
    public void ForwardModeMatchesDoubleBackwardWithFusedTangents()
    {
        const long b = 5, k = 4;
        var options = new SongUNetOptions(32, 1, modelChannels: 16, channelMultipliers: new[] { 1, 2 }, blocksPerResolution: 1,
            attentionResolutions: new[] { 16 }, dropout: 0, noiseMultiplier: 1);
        using var generator = new Generator(40);
        using var net = UNetTestNets.Perturbed(options, generator);
        net.eval();
        Assert.True(SymmetricJacobian.Applies(zeros(k, 16, 32, 32)) && SymmetricJacobian.Applies(zeros(k, 32, 16, 16)),
            "the test must exercise the fused path at both image levels");
        var g = Seeded(41);
        var z = Normal(g, b, 1, 32, 32);
        var t = rand(new[] { b }, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(new[] { b }, dtype: ScalarType.Float64, generator: g);
        var tangent = InputTangent.AlongTrajectory(Normal(g, k, 1, 32, 32));
        using var forward = new ForwardModeJvp().Compute(net, z, r, t, null, tangent);
        using var exact = new DoubleBackwardJvp().Compute(net, z, r, t, null, tangent);
        Assert.True(Identical(forward.Value, exact.Value));
        AssertClose(forward.Tangent, exact.Tangent, DefaultTolerance, "forward mode vs double backward");
    }
}

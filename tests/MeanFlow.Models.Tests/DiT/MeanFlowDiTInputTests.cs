using static MeanFlow.Models.Tests.DiT.DiTTestModels;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.DiT;

/// <summary>Bad input raises a .NET exception naming the argument and the offending value, before any native call.</summary>
public sealed class MeanFlowDiTInputTests
{
    private static readonly MeanFlowDiT Model = Create();
    private static readonly MeanFlowDiT Unconditional = Create(classes: 0);

    private static (Tensor Z, Tensor R, Tensor T) Good(long rows = 2) => Inputs(new Generator(1), rows);

    [Theory]
    [InlineData(2, 8, 8, "[B, 2, 4, 4]")]      // wrong image size
    [InlineData(3, 4, 4, "[B, 2, 4, 4]")]      // wrong channels
    [InlineData(2, 4, 5, "[B, 2, 4, 4]")]      // not square
    public void WrongImageShapeIsRejected(long channels, long height, long width, string expected)
    {
        var (_, r, t) = Good();
        var z = Normal(new Generator(2), 2, channels, height, width);
        var e = Assert.Throws<ArgumentException>(() => Model.AverageVelocity(z, r, t));
        Assert.Equal("z", e.ParamName);
        Assert.Contains(expected, e.Message);
        Assert.Contains($"[2, {channels}, {height}, {width}]", e.Message);
    }

    [Fact]
    public void WrongDtypeOrTimesAreRejected()
    {
        var (z, r, t) = Good();
        Assert.Equal("z", Assert.Throws<ArgumentException>(() => Model.AverageVelocity(z.to(ScalarType.Float32), r, t)).ParamName);
        Assert.Equal("r", Assert.Throws<ArgumentException>(() => Model.AverageVelocity(z, r.narrow(0, 0, 1), t)).ParamName);
        Assert.Equal("t", Assert.Throws<ArgumentException>(() => Model.AverageVelocity(z, r, t.unsqueeze(1))).ParamName);
        Assert.Equal("t", Assert.Throws<ArgumentException>(() => Model.AverageVelocity(z, r, t.to(ScalarType.Float32))).ParamName);
    }

    [Theory]
    [InlineData(-1L, "from -1 to 1")]
    [InlineData(4L, "from 1 to 4")]
    public void LabelsOutOfRangeAreRejected(long bad, string range)
    {
        var (z, r, t) = Good();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.AverageVelocity(z, r, t, Labels(1, bad)));
        Assert.Equal("labels", e.ParamName);
        Assert.Contains("[0, 3]", e.Message);
        Assert.Contains(range, e.Message);
    }

    [Fact]
    public void MalformedLabelsAreRejected()
    {
        var (z, r, t) = Good();
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Model.AverageVelocity(z, r, t, tensor(new[] { 1, 2 }))).ParamName);   // int32
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Model.AverageVelocity(z, r, t, Labels(1, 2, 0))).ParamName);         // 3 rows
    }

    [Fact]
    public void LabelsForAnUnconditionalModelAreRejected()
    {
        var (z, r, t) = Good();
        var e = Assert.Throws<ArgumentException>(() => Unconditional.AverageVelocity(z, r, t, Labels(0, 1)));
        Assert.Equal("labels", e.ParamName);
        Assert.Contains("unconditional", e.Message);
    }

    [Fact]
    public void MalformedTangentsAreRejected()
    {
        var (z, r, t) = Good();
        var g = new Generator(3);
        InputTangent Tangent(long k, long size) => new(Normal(g, k, Channels, size, size), Normal(g, k), Normal(g, k));
        Assert.Equal("tangent", Assert.Throws<ArgumentException>(() => Model.AverageVelocityWithTangent(z, r, t, null, Tangent(3, ImageSize))).ParamName);
        Assert.Equal("tangent", Assert.Throws<ArgumentException>(() => Model.AverageVelocityWithTangent(z, r, t, null, Tangent(1, 8))).ParamName);
        Assert.Throws<ArgumentNullException>(() => Model.AverageVelocityWithTangent(z, r, t, null, null!));
    }

    [Fact]
    public void BadConfigurationsAreRejected()
    {
        Assert.Equal("patchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new MeanFlowDiTConfig(28, 1, 3, 128, 4, 4)).ParamName);
        Assert.Equal("hiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => new MeanFlowDiTConfig(28, 1, 4, 126, 4, 3)).ParamName);
        Assert.Equal("heads", Assert.Throws<ArgumentOutOfRangeException>(() => new MeanFlowDiTConfig(28, 1, 4, 128, 4, 3)).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => new MeanFlowDiTConfig(28, 1, 4, 128, 4, 4, classes: -1)).ParamName);
        Assert.Equal("conditioning", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new MeanFlowDiTConfig(28, 1, 4, 128, 4, 4, conditioning: (TimeConditioning)9)).ParamName);
        Assert.Equal("depth", Assert.Throws<ArgumentOutOfRangeException>(() => new MeanFlowDiTConfig(28, 1, 4, 128, 0, 4)).ParamName);
    }
}

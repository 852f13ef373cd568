using System;
using MeanFlow.Fields;
using MeanFlow.Models.Imf;
using TorchSharp;
using Xunit;
using static MeanFlow.Models.Tests.Imf.ImfTestModels;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Imf;

/// <summary>Bad input is refused at the model's surface with a message naming the argument and the value.</summary>
public sealed class ImprovedMeanFlowDiTInputTests
{
    private static readonly ImprovedMeanFlowDiT Model = new(FixtureConfig(), new Generator(1), dtype: ScalarType.Float64);

    private static Tensor Z(long b = 2) => zeros(b, Channels, ImageSize, ImageSize, dtype: ScalarType.Float64);

    private static Tensor Times(long b = 2) => full(b, 0.5, dtype: ScalarType.Float64);

    [Fact]
    public void ALabelOutsideTheClassesAndTheNullClassIsRefused()
    {
        var none = GuidanceConditions.None(2, ScalarType.Float64, CPU);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Velocities(Z(), Times(), Times(), tensor(new long[] { 0, 4 }), none));
        Assert.Equal("labels", e.ParamName);
        Assert.Contains("[0, 3]", e.Message);
        Assert.Contains("from 0 to 4", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Model.AverageVelocity(Z(), Times(), Times(), tensor(new long[] { -1, 0 })));
        Model.Velocities(Z(), Times(), Times(), tensor(new long[] { 3, 2 }), none).Dispose();    // 3 is the null class
    }

    [Fact]
    public void GuidanceOfAnotherBatchOrDtypeIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Model.Velocities(Z(), Times(), Times(), null, GuidanceConditions.None(3, ScalarType.Float64, CPU)));
        Assert.Equal("guidance", e.ParamName);
        Assert.Contains("2 rows", e.Message);
        e = Assert.Throws<ArgumentException>(() => Model.Velocities(Z(), Times(), Times(), null, GuidanceConditions.None(2, ScalarType.Float32, CPU)));
        Assert.Contains("Float32", e.Message);
    }

    [Fact]
    public void WrongShapesAndDtypesAreRefused()
    {
        var none = GuidanceConditions.None(2, ScalarType.Float64, CPU);
        Assert.Equal("z", Assert.Throws<ArgumentException>(() => Model.Velocities(zeros(2, 3, 8, 8, dtype: ScalarType.Float64), Times(), Times(), null, none)).ParamName);
        Assert.Equal("z", Assert.Throws<ArgumentException>(() => Model.Velocities(Z().to(ScalarType.Float32), Times(), Times(), null, none)).ParamName);
        Assert.Equal("r", Assert.Throws<ArgumentException>(() => Model.Velocities(Z(), Times(3), Times(), null, none)).ParamName);
        Assert.Throws<ArgumentException>(() => Model.VelocitiesWithTangent(Z(), Times(), Times(), null, none,
            new MeanFlow.Jvp.InputTangent(zeros(1, 2, 4, 4, dtype: ScalarType.Float64), zeros(1, dtype: ScalarType.Float64), zeros(1, dtype: ScalarType.Float64))));
    }

    [Fact]
    public void AnUnconditionalModelTakesNoLabels()
    {
        using var model = new ImprovedMeanFlowDiT(new ImprovedMeanFlowDiTConfig(8, 2, 2, 8, 2, 2, classes: 0, auxHeadDepth: 1), dtype: ScalarType.Float64);
        var none = GuidanceConditions.None(2, ScalarType.Float64, CPU);
        model.Velocities(Z(), Times(), Times(), null, none).Dispose();
        Assert.Contains("unconditional", Assert.Throws<ArgumentException>(() => model.Velocities(Z(), Times(), Times(), tensor(new long[] { 0, 0 }), none)).Message);
    }

    [Fact]
    public void TheConfigurationRefusesImpossibleShapes()
    {
        Assert.Equal("heads", Assert.Throws<ArgumentOutOfRangeException>(() => new ImprovedMeanFlowDiTConfig(8, 2, 2, 12, 4, 4, 3, auxHeadDepth: 2)).ParamName);  // head width 3
        Assert.Equal("auxHeadDepth", Assert.Throws<ArgumentOutOfRangeException>(() => new ImprovedMeanFlowDiTConfig(8, 2, 2, 8, 4, 2, 3, auxHeadDepth: 5)).ParamName);
        Assert.Equal("patchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new ImprovedMeanFlowDiTConfig(8, 2, 3, 8, 4, 2, 3, auxHeadDepth: 2)).ParamName);
        Assert.Equal("classTokens", Assert.Throws<ArgumentOutOfRangeException>(() => new ImprovedMeanFlowDiTConfig(8, 2, 2, 8, 4, 2, 3, auxHeadDepth: 2, classTokens: 0)).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => new ImprovedMeanFlowDiTConfig(8, 2, 2, 8, 4, 2, -1, auxHeadDepth: 2)).ParamName);
    }

    [Fact]
    public void AFreshModelOutputsZeroForBothHeads()
    {
        // Official initialisation: zero gates and zero output layers.
        using var model = new ImprovedMeanFlowDiT(FixtureConfig(), new Generator(2), dtype: ScalarType.Float64);
        var z = randn(2, Channels, ImageSize, ImageSize, dtype: ScalarType.Float64);
        using var heads = model.Velocities(z, Times(), Times(), null, GuidanceConditions.Constant(2, 3, 0.1, 0.9, ScalarType.Float64, CPU));
        Assert.Equal(0.0, heads.Average.abs().max().ToDouble());
        Assert.Equal(0.0, heads.Instantaneous.abs().max().ToDouble());
    }
}

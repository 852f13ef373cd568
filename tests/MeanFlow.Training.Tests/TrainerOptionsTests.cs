using MeanFlow.Training;

namespace MeanFlow.Tests.Training;

public class TrainerOptionsTests
{
    [Fact]
    public void DefaultsAreThePapers()
    {
        var o = new TrainerOptions(1000);
        Assert.Equal(1000, o.TotalSteps);
        Assert.Equal(OptimizerKind.Adam, o.Optimizer);
        Assert.Equal(1e-4, o.LearningRate);
        Assert.Equal(0.9, o.Beta1);
        Assert.Equal(0.95, o.Beta2);
        Assert.Equal(1e-8, o.Epsilon);
        Assert.Equal(0.0, o.WeightDecay);
        Assert.Equal(0, o.WarmupSteps);
        Assert.Equal(LearningRateDecay.Constant, o.Decay);
        Assert.Equal(0.0, o.MinLearningRate);
        Assert.Null(o.MaxGradientNorm);
        Assert.Equal(new[] { 0.9999 }, o.EmaDecays);
        Assert.True(o.EmaWarmup);
        Assert.Equal(0, o.Seed);
        Assert.Null(o.Device);
        Assert.Equal(100, o.LogEvery);
        Assert.Equal(0, o.SampleEvery);
        Assert.Equal(0, o.CheckpointEvery);
        Assert.Null(o.CheckpointPath);
    }

    [Theory]
    [InlineData("totalSteps", "0")]
    [InlineData("learningRate", "-0.001")]
    [InlineData("learningRate", "NaN")]
    [InlineData("beta1", "1")]
    [InlineData("beta2", "-0.5")]
    [InlineData("epsilon", "0")]
    [InlineData("weightDecay", "-1")]
    [InlineData("warmupSteps", "11")]
    [InlineData("minLearningRate", "0.5")]
    [InlineData("maxGradientNorm", "0")]
    [InlineData("emaDecays", "1")]
    [InlineData("logEvery", "0")]
    [InlineData("sampleEvery", "-1")]
    [InlineData("checkpointEvery", "-2")]
    [InlineData("optimizer", "7")]
    public void BadValuesAreRefusedNamingArgumentAndValue(string name, string value)
    {
        var v = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        Func<TrainerOptions> create = name switch
        {
            "totalSteps" => () => new TrainerOptions((long)v),
            "learningRate" => () => new TrainerOptions(10, learningRate: v),
            "beta1" => () => new TrainerOptions(10, beta1: v),
            "beta2" => () => new TrainerOptions(10, beta2: v),
            "epsilon" => () => new TrainerOptions(10, epsilon: v),
            "weightDecay" => () => new TrainerOptions(10, weightDecay: v),
            "warmupSteps" => () => new TrainerOptions(10, warmupSteps: (long)v),
            "minLearningRate" => () => new TrainerOptions(10, learningRate: 0.1, minLearningRate: v),
            "maxGradientNorm" => () => new TrainerOptions(10, maxGradientNorm: v),
            "emaDecays" => () => new TrainerOptions(10, emaDecays: new[] { 0.5, v }),
            "logEvery" => () => new TrainerOptions(10, logEvery: (long)v),
            "sampleEvery" => () => new TrainerOptions(10, sampleEvery: (long)v),
            "checkpointEvery" => () => new TrainerOptions(10, checkpointEvery: (long)v),
            "optimizer" => () => new TrainerOptions(10, optimizer: (OptimizerKind)(int)v),
            _ => throw new ArgumentException(name),
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(create);
        Assert.Equal(name, error.ParamName);
        Assert.Contains(name, error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public void CheckpointIntervalNeedsAPath()
    {
        var error = Assert.Throws<ArgumentException>(() => new TrainerOptions(10, checkpointEvery: 5));
        Assert.Equal("checkpointPath", error.ParamName);
        Assert.Contains("checkpointEvery = 5", error.Message);
    }

    [Fact]
    public void LearningRateFollowsWarmupThenConstantOrCosine()
    {
        var cosine = new TrainerOptions(14, learningRate: 1.0, warmupSteps: 4, decay: LearningRateDecay.Cosine, minLearningRate: 0.1);
        var constant = new TrainerOptions(14, learningRate: 1.0, warmupSteps: 4);
        for (var s = 0; s < 4; s++)
        {
            Assert.Equal((s + 1) / 4.0, cosine.LearningRateAt(s));
            Assert.Equal((s + 1) / 4.0, constant.LearningRateAt(s));
        }
        for (var s = 4; s < 14; s++)
        {
            Assert.Equal(1.0, constant.LearningRateAt(s));
            var expected = 0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * (s - 4) / 10.0));
            Assert.True(Math.Abs(cosine.LearningRateAt(s) - expected) <= 1e-15, $"step {s}");
        }
        Assert.Equal(1.0, cosine.LearningRateAt(4));
        Assert.True(Math.Abs(cosine.LearningRateAt(9) - 0.55) <= 1e-15);
        Assert.Equal(1.0, new TrainerOptions(3).LearningRateAt(0) / 1e-4, 12);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cosine.LearningRateAt(14));
        Assert.Equal("step", error.ParamName);
        Assert.Contains("14", error.Message);
    }

    [Fact]
    public void JsonRoundTripKeepsEveryValue()
    {
        var options = new TrainerOptions(500, OptimizerKind.AdamW, 3e-4, 0.8, 0.99, 1e-6, 0.01, 20, LearningRateDecay.Cosine,
            1e-5, 1.5, new[] { 0.999, 0.9999 }, false, 1234, CPU, 10, 50, 100, "runs/x/ckpt-{step}.bin");
        var json = options.ToJson();
        var back = TrainerOptions.FromJson(json);
        Assert.Equal(json.ToJsonString(), back.ToJson().ToJsonString());
        Assert.Equal(TorchSharp.DeviceType.CPU, back.Device!.type);
        Assert.Equal(new[] { 0.999, 0.9999 }, back.EmaDecays);

        var defaults = TrainerOptions.FromJson(new System.Text.Json.Nodes.JsonObject { ["totalSteps"] = 7 });
        Assert.Equal(new TrainerOptions(7).ToJson().ToJsonString(), defaults.ToJson().ToJsonString());
        var bad = Assert.Throws<ArgumentException>(() => TrainerOptions.FromJson(new System.Text.Json.Nodes.JsonObject { ["totalSteps"] = 7, ["decay"] = "Linear" }));
        Assert.Contains("Linear", bad.Message);
        Assert.Throws<ArgumentException>(() => TrainerOptions.FromJson(new System.Text.Json.Nodes.JsonObject()));
    }
}

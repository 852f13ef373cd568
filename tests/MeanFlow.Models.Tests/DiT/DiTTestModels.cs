using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.DiT;

/// <summary>Tiny float64 DiTs for the tests: 4×4×2 inputs, patch 2 (4 tokens), width 8, 2 heads, 2 blocks.</summary>
internal static class DiTTestModels
{
    internal const int ImageSize = 4, Channels = 2, Classes = 3;

    internal static MeanFlowDiTConfig Config(TimeConditioning conditioning = TimeConditioning.TimeAndInterval, int classes = Classes, int depth = 2) =>
        new(ImageSize, Channels, patchSize: 2, hiddenSize: 8, depth: depth, heads: 2, classes: classes, conditioning: conditioning,
            mlpRatio: 2.0, frequencyDimension: 8);

    /// <summary>A tiny model in float64, initialised as DiT (u = 0) and, when <paramref name="perturbation"/> &gt; 0,
    /// perturbed by N(0, perturbation²) on every parameter so that every path carries a value and a gradient.</summary>
    internal static MeanFlowDiT Create(TimeConditioning conditioning = TimeConditioning.TimeAndInterval, int classes = Classes,
        double perturbation = 0.3, ulong seed = 1, int depth = 2)
    {
        var generator = new Generator(seed);
        var model = new MeanFlowDiT(Config(conditioning, classes, depth), generator, dtype: ScalarType.Float64);
        if (perturbation > 0)
            using (no_grad())
                foreach (var p in model.parameters())
                    p.add_(randn(p.shape, dtype: p.dtype, generator: generator).mul_(perturbation));
        return model;
    }

    internal static (Tensor Z, Tensor R, Tensor T) Inputs(Generator g, long rows)
    {
        var z = Normal(g, rows, Channels, ImageSize, ImageSize);
        var t = rand(new[] { rows }, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(new[] { rows }, dtype: ScalarType.Float64, generator: g);
        return (z, r, t);
    }

    internal static Tensor Labels(params long[] values) => tensor(values, dtype: ScalarType.Int64);

    internal static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());
}

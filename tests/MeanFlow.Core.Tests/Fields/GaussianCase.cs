using MeanFlow.Fields;
using MeanFlow.Paths;

namespace MeanFlow.Tests.Fields;

/// <summary>A random diagonal-Gaussian field and evaluation points, drawn from a seed (for property tests).</summary>
internal sealed class GaussianCase
{
    internal GaussianCase(int seed, int dimension, bool cosine, long rows = 8, double minInterval = 0.05)
    {
        var rng = new System.Random(seed);
        var mean = new double[dimension];
        var std = new double[dimension];
        for (var d = 0; d < dimension; d++)
        {
            mean[d] = rng.NextDouble() * 6 - 3;
            std[d] = rng.NextDouble() < 0.1 ? 0.0 : 0.05 + rng.NextDouble() * 2;
        }
        Schedule = cosine ? new CosineSchedule() : new LinearSchedule();
        Field = new DiagonalGaussianField(mean, std, Schedule);
        Generator = new Generator((ulong)seed + 1);
        Z = randn(new[] { rows, (long)dimension }, dtype: float64, generator: Generator) * 2;
        T = rand(rows, dtype: float64, generator: Generator) * (1 - minInterval) + minInterval;
        R = (T - minInterval) * rand(rows, dtype: float64, generator: Generator);
    }

    internal ISchedule Schedule { get; }
    internal DiagonalGaussianField Field { get; }
    internal Generator Generator { get; }
    internal Tensor Z { get; }
    internal Tensor T { get; }
    internal Tensor R { get; }
}

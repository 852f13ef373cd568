using MeanFlow.Fields;
using MeanFlow.Objectives;
using MeanFlow.Tests.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Objectives;

/// <summary>Explicit improved-MeanFlow batches on analytic fields: the rows with r = t first or interleaved, random ω and
/// intervals, optional labels and drops.</summary>
internal static class ImprovedMeanFlowCases
{
    /// <summary>The exact pair of a diagonal Gaussian: u and v = u(z, t, t), the marginal velocity.</summary>
    internal static SingleHeadGuidedField ExactGaussian(int seed, int dimension = 3) =>
        new(new GaussianCase(seed, dimension, cosine: false).Field);

    /// <summary>A conditional exact pair: row i follows the Gaussian of class labels[i]; the last class is ∅.</summary>
    internal static (SingleHeadGuidedField Field, long NullClass) PerClass(int seed, int classes = 3, int dimension = 2)
    {
        var field = PerClassGaussianField.Random(seed, classes, dimension);
        return (new SingleHeadGuidedField(field), field.NullClass);
    }

    /// <summary>B rows, about half with r = t (interleaved with the others), ω in [1, 8], intervals around t; labels in
    /// [0, nullClass) and drops when <paramref name="nullClass"/> is given.</summary>
    internal static GuidedObjectiveBatch Batch(int seed, int dimension, long rows = 24, long? nullClass = null, double omega = double.NaN)
    {
        var g = new Generator((ulong)seed + 100);
        var x = randn(new[] { rows, (long)dimension }, dtype: float64, generator: g);
        var noise = randn(new[] { rows, (long)dimension }, dtype: float64, generator: g);
        var t = rand(rows, dtype: float64, generator: g) * 0.9 + 0.05;
        var flowMatching = rand(rows, dtype: float64, generator: g) < 0.5;
        var r = where(flowMatching, t, t * rand(rows, dtype: float64, generator: g) * 0.9);
        var scale = double.IsNaN(omega) ? (rand(rows, dtype: float64, generator: g) * 7 + 1) : full(rows, omega, dtype: float64);
        var start = rand(rows, dtype: float64, generator: g) * 0.5;
        var end = rand(rows, dtype: float64, generator: g) * 0.5 + 0.5;
        start = start.masked_fill(flowMatching, 0.0);
        end = end.masked_fill(flowMatching, 1.0);
        Tensor? labels = null, drop = null;
        if (nullClass is { } n)
        {
            labels = randint(0, n, new[] { rows }, generator: g);
            drop = rand(rows, dtype: float64, generator: g) < 0.25;
        }
        return new GuidedObjectiveBatch(x, noise, r, t, labels, drop, scale, start, end);
    }
}

using MeanFlow.Fields;
using MeanFlow.Jvp;

namespace MeanFlow.Tests.Fields;

/// <summary>
/// A test-only conditional field: row i follows the analytic Gaussian field of class labels[i]
/// (the last class plays the null class). Tangent-capable by delegation.
/// </summary>
internal sealed class PerClassGaussianField : ITangentVelocityField
{
    private readonly DiagonalGaussianField[] _classes;

    internal PerClassGaussianField(params DiagonalGaussianField[] classes) => _classes = classes;

    internal static PerClassGaussianField Random(int seed, int classes, int dimension)
    {
        var rng = new System.Random(seed);
        return new PerClassGaussianField(Enumerable.Range(0, classes).Select(_ => new DiagonalGaussianField(
            Enumerable.Range(0, dimension).Select(_ => rng.NextDouble() * 4 - 2).ToArray(),
            Enumerable.Range(0, dimension).Select(_ => 0.2 + rng.NextDouble()).ToArray())).ToArray());
    }

    internal long NullClass => _classes.Length - 1;

    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var all = stack(_classes.Select(c => c.AverageVelocity(z, r, t)), 0);          // (C, B, D)
        return Select(all, labels);
    }

    public JvpOutput AverageVelocityWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var outputs = _classes.Select(c => c.AverageVelocityWithTangent(z, r, t, null, tangent)).ToArray();
        var k = tangent.Rows;
        return new JvpOutput(Select(stack(outputs.Select(o => o.Value), 0), labels),
            Select(stack(outputs.Select(o => o.Tangent), 0), labels.narrow(0, 0, k)));
    }

    private static Tensor Select(Tensor perClass, Tensor labels)
    {
        var index = labels.reshape(1, -1, 1).expand(1, labels.shape[0], perClass.shape[2]);
        return perClass.gather(0, index).squeeze(0);
    }
}

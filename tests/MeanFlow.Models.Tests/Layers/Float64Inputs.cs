namespace MeanFlow.Models.Tests.Layers;

/// <summary>Seeded float64 inputs for the exact checks (the checks themselves are the public
/// <see cref="MeanFlow.Models.Testing.TangentCheck"/>).</summary>
internal static class Float64Inputs
{
    internal static Generator Seeded(ulong seed) => new Generator(seed);

    internal static Tensor Normal(Generator g, params long[] shape) => randn(shape, dtype: ScalarType.Float64, generator: g);

    internal static Tensor[] Leading(IEnumerable<Tensor> xs, long k) => xs.Select(x => x.narrow(0, 0, k)).ToArray();

    internal static Dual[] Plain(IEnumerable<Tensor> xs) => xs.Select(x => new Dual(x)).ToArray();
}

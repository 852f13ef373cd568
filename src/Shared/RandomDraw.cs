using static TorchSharp.torch;

namespace MeanFlow.Internal;

/// <summary>
/// Random draws with an optional explicit generator. A generator lives on one device; draws happen there
/// and move to the requested device, so a CPU generator also seeds work on a GPU.
/// </summary>
internal static class RandomDraw
{
    internal static Tensor Uniform(long[] shape, ScalarType dtype, Device device, Generator? generator) =>
        generator is null
            ? rand(shape, dtype: dtype, device: device)
            : rand(shape, dtype: dtype, device: generator.device, generator: generator).to(device);

    internal static Tensor Normal(long[] shape, ScalarType dtype, Device device, Generator? generator) =>
        generator is null
            ? randn(shape, dtype: dtype, device: device)
            : randn(shape, dtype: dtype, device: generator.device, generator: generator).to(device);
}

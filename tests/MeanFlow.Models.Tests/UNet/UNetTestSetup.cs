using System.Runtime.CompilerServices;

namespace MeanFlow.Models.Tests.UNet;

internal static class UNetTestSetup
{
    /// <summary>
    /// As in MeanFlow.Core.Tests: the tests use small tensors, for which further libtorch threads only add
    /// synchronisation, and on a loaded 2-core machine spinning OpenMP workers slow them down many times. One thread
    /// also makes results independent of the machine's core count. (Setting it twice is harmless.)
    /// </summary>
    [ModuleInitializer]
    internal static void SingleThreaded() => TorchSharp.torch.set_num_threads(1);
}

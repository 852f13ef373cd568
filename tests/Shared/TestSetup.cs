using System.Runtime.CompilerServices;

namespace MeanFlow.Tests;

internal static class TestSetup
{
    /// <summary>
    /// The tests use small tensors, for which a second libtorch thread only adds synchronisation; on a loaded
    /// 2-core machine spinning OpenMP workers made some tests 50× slower. One thread also makes results
    /// independent of the machine's core count.
    /// </summary>
    [ModuleInitializer]
    internal static void SingleThreaded() => TorchSharp.torch.set_num_threads(1);
}

using System;
using System.Threading;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// Switches libtorch's flash scaled-dot-product-attention kernel off, once per process and thread-safely, the first
/// time an engine that differentiates twice runs. The flash kernel's backward has no derivative: double backward
/// through it ends the process from native code instead of throwing, while the math kernel libtorch then picks is
/// differentiable to any order. TorchSharp 0.107 offers no per-call kernel choice, so the switch is process-wide; it
/// is set once and never flipped back, so two objectives on two threads never race on it.
/// </summary>
internal static class MathAttention
{
    private static readonly Lazy<bool> Selected = new(() =>
    {
        backends.cuda.enable_flash_sdp(false);
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Makes sure the flash kernel is off (a no-op after the first call).</summary>
    internal static void EnsureSelected() => _ = Selected.Value;
}

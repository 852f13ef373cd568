using System;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// Turns off the flash scaled-dot-product-attention kernel for its lifetime (libtorch then uses the
/// math path, on CPU too) and restores the previous setting. The flash kernel's backward is not
/// differentiable: double backward through it aborts the process instead of throwing.
/// </summary>
internal sealed class MathAttentionScope : IDisposable
{
    private readonly bool _previous;

    internal MathAttentionScope()
    {
        _previous = backends.cuda.flash_sdp_enabled();
        if (_previous) backends.cuda.enable_flash_sdp(false);
    }

    public void Dispose()
    {
        if (_previous) backends.cuda.enable_flash_sdp(true);
    }
}

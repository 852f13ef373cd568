using System;
using static TorchSharp.torch;

namespace MeanFlow.Models.Mlp;

/// <summary>
/// emb(c) = [cos(s·c·ω_j), sin(s·c·ω_j)], ω_j = 10000^(−j/F), j &lt; F: the transformer time embedding,
/// with its tangent d emb = [−sin(·), cos(·)]·s·ω_j·dc.
/// </summary>
internal sealed class SinusoidalEmbedding
{
    private readonly int _frequencies;
    private readonly double _scale;

    internal SinusoidalEmbedding(int frequencies, double scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencies, 1);
        _frequencies = frequencies;
        _scale = scale;
    }

    internal int Width => 2 * _frequencies;

    private Tensor Angles(Tensor c) =>
        c.unsqueeze(1) * Omegas(c);

    private Tensor Omegas(Tensor c) =>
        (arange(_frequencies, dtype: c.dtype, device: c.device) * (-Math.Log(10000.0) / _frequencies)).exp() * _scale;

    internal Tensor Embed(Tensor c)
    {
        var angles = Angles(c);
        return cat(new[] { angles.cos(), angles.sin() }, 1);
    }

    internal Tensor EmbedTangent(Tensor c, Tensor dc)
    {
        var angles = Angles(c);
        var rate = dc.unsqueeze(1) * Omegas(c);
        return cat(new[] { -angles.sin() * rate, angles.cos() * rate }, 1);
    }
}

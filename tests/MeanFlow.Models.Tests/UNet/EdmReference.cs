using static TorchSharp.torch.nn.functional;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>
/// EDM's SongUNet forward pass (standard encoder and decoder, DDPM++ blocks) written as plain functions of a state
/// dict, from NVlabs/edm <c>training/networks.py</c> and py-meanflow's two-time embedding, independently of the
/// library's modules: what the library computes must equal this on the same weights.
/// </summary>
internal static class EdmReference
{
    private static readonly double SkipScale = Math.Sqrt(0.5);

    /// <param name="weights">The state dict.</param>
    /// <param name="x">Images (B, in, R, R).</param>
    /// <param name="times">The time inputs, each (B,), already scaled, in embedding order.</param>
    /// <param name="oneHot">One-hot labels (B, classes), all zero for the null class, or <c>null</c> without map_label.</param>
    internal static Tensor Forward(IReadOnlyDictionary<string, Tensor> weights, SongUNetOptions o, Tensor x, Tensor[] times, Tensor? oneHot)
    {
        // Mapping: PositionalEmbedding(endpoint=True) per time, cos/sin swapped to sin/cos, concatenated.
        var half = o.NoiseChannels / 2;
        var freqs = pow(1.0 / o.MaxPeriod, arange(half, dtype: ScalarType.Float64).div(half - 1)).to(x.dtype);
        var emb = cat(times.Select(tau =>
        {
            var angles = tau.ger(freqs);
            var e = cat(new[] { angles.cos(), angles.sin() }, 1);
            return e.reshape(e.shape[0], 2, -1).flip(1).reshape(e.shape);
        }).ToArray(), 1);
        if (oneHot is not null) emb = emb + Linear(weights, "map_label", oneHot * Math.Sqrt(oneHot.shape[1]));
        emb = silu(Linear(weights, "map_layer0", emb));
        emb = silu(Linear(weights, "map_layer1", emb));

        var skips = new List<Tensor>();
        var levels = o.ChannelMultipliers.Count;
        for (var level = 0; level < levels; level++)
        {
            var r = o.Resolution >> level;
            x = level == 0 ? Conv(weights, $"enc.{r}x{r}_conv", x, o) : Block(weights, $"enc.{r}x{r}_down", x, emb, o);
            skips.Add(x);
            for (var i = 0; i < o.BlocksPerResolution; i++)
            {
                x = Block(weights, $"enc.{r}x{r}_block{i}", x, emb, o);
                skips.Add(x);
            }
        }
        for (var level = levels - 1; level >= 0; level--)
        {
            var r = o.Resolution >> level;
            if (level == levels - 1)
            {
                x = Block(weights, $"dec.{r}x{r}_in0", x, emb, o);
                x = Block(weights, $"dec.{r}x{r}_in1", x, emb, o);
            }
            else x = Block(weights, $"dec.{r}x{r}_up", x, emb, o);
            for (var i = 0; i <= o.BlocksPerResolution; i++)
            {
                x = cat(new[] { x, skips[^1] }, 1);
                skips.RemoveAt(skips.Count - 1);
                x = Block(weights, $"dec.{r}x{r}_block{i}", x, emb, o);
            }
        }
        var top = $"dec.{o.Resolution}x{o.Resolution}";
        return Conv(weights, top + "_aux_conv", silu(Norm(weights, top + "_aux_norm", x)), o);
    }

    private static Tensor Linear(IReadOnlyDictionary<string, Tensor> w, string key, Tensor x) =>
        x.matmul(w[key + ".weight"].t()) + w[key + ".bias"];

    private static Tensor Norm(IReadOnlyDictionary<string, Tensor> w, string key, Tensor x) =>
        group_norm(x, Math.Min(32, x.shape[1] / 4), w[key + ".weight"], w[key + ".bias"], 1e-6);

    /// <summary>EDM Conv2d, non-fused: resample (if the key has a filter), then k×k convolution, then bias.</summary>
    private static Tensor Conv(IReadOnlyDictionary<string, Tensor> w, string key, Tensor x, SongUNetOptions o)
    {
        if (w.ContainsKey(key + ".resample_filter"))
        {
            var taps = tensor(o.ResampleFilter.ToArray(), dtype: x.dtype);
            var f = taps.ger(taps).div(taps.sum().square()).unsqueeze(0).unsqueeze(1);      // independent of the buffer
            var c = x.shape[1];
            var pad = (f.shape[3] - 1) / 2;
            x = key.Contains("_up.")
                ? conv_transpose2d(x, f.mul(4).tile(new long[] { c, 1, 1, 1 }), null, new long[] { 2, 2 }, new[] { pad, pad }, groups: c)
                : conv2d(x, f.tile(new long[] { c, 1, 1, 1 }), null, new long[] { 2, 2 }, new[] { pad, pad }, groups: c);
        }
        var weight = w[key + ".weight"];
        var p = weight.shape[3] / 2;
        return conv2d(x, weight, padding: new[] { p, p }) + w[key + ".bias"].reshape(1, -1, 1, 1);
    }

    /// <summary>EDM UNetBlock with DDPM++ settings (adaptive_scale=False, skip_scale=√½, eps=1e-6, one head).</summary>
    private static Tensor Block(IReadOnlyDictionary<string, Tensor> w, string key, Tensor x, Tensor emb, SongUNetOptions o)
    {
        var orig = x;
        x = Conv(w, key + ".conv0", silu(Norm(w, key + ".norm0", x)), o);
        var parameters = Linear(w, key + ".affine", emb).unsqueeze(2).unsqueeze(3);
        x = silu(Norm(w, key + ".norm1", x + parameters));
        x = Conv(w, key + ".conv1", x, o);                                                 // evaluation mode: no dropout
        x = (x + (w.ContainsKey(key + ".skip.weight") ? Conv(w, key + ".skip", orig, o) : orig)) * SkipScale;
        if (!w.ContainsKey(key + ".qkv.weight")) return x;
        var heads = (long)o.AttentionHeads;
        long b = x.shape[0], channels = x.shape[1], perHead = channels / heads;
        var qkv = Conv(w, key + ".qkv", Norm(w, key + ".norm2", x), o);
        Tensor q, k, v;
        if (o.QkvLayout == QkvLayout.Interleaved)
        {
            var parts = qkv.reshape(b * heads, perHead, 3, -1).unbind(2);                    // EDM
            (q, k, v) = (parts[0], parts[1], parts[2]);
        }
        else
        {
            var parts = qkv.reshape(b, 3 * channels, -1).chunk(3, 1);                       // py-meanflow QKVAttention
            (q, k, v) = (parts[0].reshape(b * heads, perHead, -1), parts[1].reshape(b * heads, perHead, -1), parts[2].reshape(b * heads, perHead, -1));
        }
        var weights = einsum("ncq,nck->nqk", q, k.div(Math.Sqrt(perHead))).softmax(2);
        var a = einsum("nqk,nck->ncq", weights, v);
        return (Conv(w, key + ".proj", a.reshape(x.shape), o) + x) * SkipScale;
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Models.Layers;
using static TorchSharp.torch;

namespace MeanFlow.Models.UNet;

// The network: embedding, encoder, decoder (EDM SongUNet.forward with MeanFlow's time inputs).
public sealed partial class SongUNet
{
    /// <summary>
    /// Runs the network on pairs: u(z, r, t | c) on all B rows and, when the inputs carry tangents, its JVP on
    /// the leading K rows. Inputs are checked as by <see cref="AverageVelocity"/>.
    /// </summary>
    /// <param name="z">State, shape (B, in, R, R), tangent (K, in, R, R) or none.</param>
    /// <param name="r">Start times, shape (B,), tangent (K,) or none.</param>
    /// <param name="t">End times, shape (B,), tangent (K,) or none.</param>
    /// <param name="labels">Class labels, int64 (B,) in [0, classes] (classes = null class), or <c>null</c>
    /// (the null class for a conditional network).</param>
    /// <returns>u, shape (B, out, R, R), tangent (K, out, R, R) when the inputs have tangents.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, or tangents are mixed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    public Dual Forward(Dual z, Dual r, Dual t, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(t);
        Check(z.Primal, r.Primal, t.Primal, labels);
        if (r.TangentRows != z.TangentRows || t.TangentRows != z.TangentRows || r.HasTangent != z.HasTangent || t.HasTangent != z.HasTangent)
            throw new ArgumentException(
                $"z, r and t must all carry tangents of the same rows or none; got {Rows(z)}, {Rows(r)} and {Rows(t)}.", nameof(z));
        using var scope = NewDisposeScope();
        var emb = Embed(r, t, labels);                                                      // (B, emb)

        var skips = new Stack<Dual>();
        var x = z;
        foreach (var (_, module) in enc.Entries)
        {
            x = module is UNetBlock block ? block.call(x, emb) : ((ResamplingConv2d)module).call(x);
            skips.Push(x);
        }

        Dual? normalized = null, output = null;
        foreach (var (_, module) in dec.Entries)
        {
            switch (module)
            {
                case UNetBlock block:
                    if (block.InChannels != x.Primal.shape[1]) x = Dual.Cat(new[] { x, skips.Pop() }, 1);
                    x = block.call(x, emb);
                    break;
                case DualGroupNorm norm:
                    normalized = norm.call(x);
                    break;
                case ResamplingConv2d conv:
                    output = conv.call(Silu.call(normalized!));
                    break;
            }
        }
        return output!.MoveToOuter(scope);
    }

    /// <summary>The embedding vector: silu(map_layer1(silu(map_layer0(cat_i [sin, cos](s·τ_i·ω) + map_label(c))))).</summary>
    private Dual Embed(Dual r, Dual t, Tensor? labels)
    {
        var features = TimeFeatures(r, t);                                                  // (B, n·noise)
        if (map_label is not null)
        {
            var dtype = r.Primal.dtype;
            var oneHot = labels is null                                                     // the null class is all zeros
                ? zeros(new[] { r.Rows, (long)Options.Classes }, dtype: dtype, device: r.Primal.device)
                : nn.functional.one_hot(labels, Options.Classes + 1).narrow(1, 0, Options.Classes).to(dtype);
            features = features + map_label.call(oneHot * Math.Sqrt(Options.Classes));
        }
        var emb = Silu.call(map_layer0.call(features));
        return Silu.call(map_layer1.call(emb));
    }

    /// <summary>EDM's positional embedding of each time input, sin and cos swapped as EDM's DDPM++
    /// ([sin, cos] per input), concatenated in the order of <see cref="TimeConditioningExtensions.Inputs"/>.</summary>
    internal Dual TimeFeatures(Dual r, Dual t)
    {
        var parts = TimeInputs(r, t).Select(input =>
        {
            var halves = FrequencyEmbedding.Apply(input, Options.NoiseChannels, Options.TimeScale, Options.MaxPeriod, endpoint: true).Chunk(2, 1);
            return Dual.Cat(new[] { halves[1], halves[0] }, 1);                            // [cos, sin] → [sin, cos]
        }).ToArray();
        return parts.Length == 1 ? parts[0] : Dual.Cat(parts, 1);
    }

    /// <summary>The time inputs as pairs: each is linear in (r, t), so the same map sends (dr, dt) to their tangents.</summary>
    private IReadOnlyList<Dual> TimeInputs(Dual r, Dual t)
    {
        var values = Options.Conditioning.Inputs(r.Primal, t.Primal);
        if (t.Tangent is null) return values.Select(v => new Dual(v)).ToArray();
        IReadOnlyList<Tensor> tangents;
        using (no_grad()) tangents = Options.Conditioning.Inputs(r.Tangent!, t.Tangent);
        return values.Zip(tangents, (v, d) => new Dual(v, d)).ToArray();
    }

    private static string Rows(Dual x) => x.HasTangent ? $"{x.TangentRows} tangent rows" : "no tangent";
}

using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

// Linear structural operations: the tangent undergoes the same map as the primal.
public sealed partial class Dual
{
    /// <summary>
    /// Applies a <b>linear, row-wise</b> operation (reshape, permute, transpose, select or narrow of a non-batch
    /// dimension, padding with zeros, nearest upsampling, average pooling, ...) to the primal and, under
    /// <c>no_grad</c>, to the tangent: for linear maps the tangent is the same map of the tangent.
    /// </summary>
    /// <param name="linear">The operation. It must keep the batch dimension first and treat rows
    /// independently; it receives tensors with B and with K rows, so size it by <c>x.shape[0]</c>, never by B.</param>
    /// <returns>The mapped pair.</returns>
    /// <exception cref="ArgumentException">The operation changed the batch rows, failed on the tangent, or mapped
    /// primal and tangent to different trailing shapes.</exception>
    public Dual MapLinear(Func<Tensor, Tensor> linear)
    {
        ArgumentNullException.ThrowIfNull(linear);
        var primal = linear(Primal);
        if (primal.dim() < 1 || primal.shape[0] != Rows)
            throw new ArgumentException(
                $"A linear row-wise map must keep the {Rows} batch rows first; it mapped {LayerChecks.Shape(Primal)} to {LayerChecks.Shape(primal)}.",
                nameof(linear));
        if (Tangent is null) return new Dual(primal);
        Tensor tangent;
        if (Tangent.shape[0] == 0)
        {
            // Zero rows map to zero rows of the output's row shape; this spares the map empty-tensor corner
            // cases (a reshape with −1 cannot infer a size from 0 elements).
            var shape = primal.shape;
            shape[0] = 0;
            tangent = empty(shape, dtype: primal.dtype, device: primal.device);
        }
        else
        {
            try
            {
                using (no_grad()) tangent = linear(Tangent);
            }
            catch (System.Runtime.InteropServices.ExternalException e)
            {
                throw new ArgumentException(
                    $"The linear map worked on the primal {LayerChecks.Shape(Primal)} but failed on the tangent {LayerChecks.Shape(Tangent)}; " +
                    $"size it by the input's own rows (x.shape[0]), never by B. {e.Message.Split('\n')[0]}", nameof(linear), e);
            }
        }
        return new Dual(primal, tangent);
    }

    /// <summary>Splits along a non-batch dimension into <paramref name="chunks"/> views, as
    /// <c>Tensor.chunk</c> (e.g. the six adaLN modulation vectors of a DiT block).</summary>
    /// <param name="chunks">Number of chunks, ≥ 1.</param>
    /// <param name="dim">The dimension to split, not the batch dimension 0; negative counts from the end.</param>
    /// <returns>The chunks, each a <see cref="Dual"/> of views.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunks"/> &lt; 1, or <paramref name="dim"/> is
    /// the batch dimension or out of range.</exception>
    public Dual[] Chunk(int chunks, long dim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        var d = LayerChecks.NonBatchDim(dim, Primal.dim(), nameof(dim));
        var primals = Primal.chunk(chunks, d);
        if (Tangent is null) return primals.Select(p => new Dual(p)).ToArray();
        var tangents = Tangent.chunk(chunks, d);
        return primals.Zip(tangents, (p, t) => new Dual(p, t)).ToArray();
    }

    /// <summary>Concatenates along a non-batch dimension (e.g. U-Net skip connections along channels).</summary>
    /// <param name="parts">Pairs with equal batch rows and either all with tangents of equal K or all without.</param>
    /// <param name="dim">The dimension, not the batch dimension 0; negative counts from the end.</param>
    /// <returns>The concatenated pair.</returns>
    /// <exception cref="ArgumentException"><paramref name="parts"/> is empty or mixes tangent and no tangent or
    /// different K.</exception>
    public static Dual Cat(IReadOnlyList<Dual> parts, long dim)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("parts must not be empty.", nameof(parts));
        var d = LayerChecks.NonBatchDim(dim, parts[0].Primal.dim(), nameof(dim));
        for (var i = 1; i < parts.Count; i++) LayerChecks.SameTangentRows(parts[0], parts[i], $"parts[{i}]");
        var primal = cat(parts.Select(p => p.Primal).ToList(), d);
        if (parts[0].Tangent is null) return new Dual(primal);
        Tensor tangent;
        using (no_grad()) tangent = cat(parts.Select(p => p.Tangent!).ToList(), d);
        return new Dual(primal, tangent);
    }
}

using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Explicit softmax attention with its tangent: S = Q·Kᵀ·scale, P = softmax(S) over keys, O = P·V, and
/// dS = (dQ·Kᵀ + Q·dKᵀ)·scale, dP = P ⊙ (dS − rowsum(P ⊙ dS)), dO = dP·V + P·dV, reusing the primal P.
/// </summary>
/// <remarks>Never uses <c>scaled_dot_product_attention</c>: its CPU flash kernel cannot be differentiated
/// twice (the process aborts), and an explicit form is needed anyway to reuse P. The tangent uses two matrix
/// products and an in-place sum per term; the single product [dP, P]·[V; dV] was measured slower here (the two
/// concatenations cost more than the second GEMM call saves).</remarks>
public static class SoftmaxAttention
{
    /// <summary>Attention of queries over keys and values, per leading index (batch, heads, …).</summary>
    /// <param name="q">Queries, shape (B, ..., N, D).</param>
    /// <param name="k">Keys, shape (B, ..., M, D).</param>
    /// <param name="v">Values, shape (B, ..., M, E).</param>
    /// <param name="scale">Factor on the scores, finite and positive, usually 1/√D.</param>
    /// <returns>O, shape (B, ..., N, E).</returns>
    /// <exception cref="ArgumentException">The shapes do not fit or the operands' tangents differ.</exception>
    public static Dual Apply(Dual q, Dual k, Dual v, double scale)
    {
        Check(q, k, v);
        Guard.Positive(scale, nameof(scale));
        using var scope = NewDisposeScope();
        var p = q.Primal.matmul(k.Primal.transpose(-2, -1)).mul(scale).softmax(-1);    // (B, ..., N, M)
        var o = p.matmul(v.Primal);                                                      // (B, ..., N, E)
        if (q.Tangent is null) return new Dual(o).MoveToOuter(scope);
        Tensor dO;
        using (no_grad())
        {
            var rows = q.TangentRows;
            var pk = p.narrow(0, 0, rows);
            var ds = q.Tangent.matmul(k.LeadingPrimal.transpose(-2, -1));
            ds.add_(q.LeadingPrimal.matmul(k.Tangent!.transpose(-2, -1))).mul_(scale);
            var rowSum = (pk * ds).sum(-1, keepdim: true);
            var dp = ds.sub_(rowSum).mul_(pk);
            dO = dp.matmul(v.LeadingPrimal);
            dO.add_(pk.matmul(v.Tangent!));
        }
        return new Dual(o, dO).MoveToOuter(scope);
    }

    private static void Check(Dual q, Dual k, Dual v)
    {
        Dual.CheckInput(q, nameof(q), "[B, ..., N, D]", dims: 3, atLeast: true);
        Dual.CheckInput(k, nameof(k), "[B, ..., M, D]", dims: 3, atLeast: true);
        Dual.CheckInput(v, nameof(v), "[B, ..., M, E]", dims: 3, atLeast: true);
        Dual.CheckSameTangentRows(q, k, nameof(k));
        Dual.CheckSameTangentRows(q, v, nameof(v));
        long[] qs = q.Primal.shape, ks = k.Primal.shape, vs = v.Primal.shape;
        var n = qs.Length;
        var lead = qs.AsSpan(0, n - 2);
        if (!lead.SequenceEqual(ks.AsSpan(0, n - 2)) || !lead.SequenceEqual(vs.AsSpan(0, n - 2))
            || qs[n - 1] != ks[n - 1] || ks[n - 2] != vs[n - 2])
            throw new ArgumentException(
                $"q, k, v must have shapes [B, ..., N, D], [B, ..., M, D], [B, ..., M, E] with equal leading dimensions; " +
                $"got {Guard.Shape(q.Primal)}, {Guard.Shape(k.Primal)}, {Guard.Shape(v.Primal)}.");
    }
}

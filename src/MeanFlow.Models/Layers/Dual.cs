using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// A primal value paired with an optional tangent (forward-mode derivative) of its leading rows: the currency
/// of the tangent-capable layers. <see cref="Primal"/> has shape (B, ...) and carries the ordinary autograd
/// graph; <see cref="Tangent"/> is <c>null</c> (no tangent is propagated: the plain forward pass) or has shape
/// (K, ...) with K ≤ B and holds d(primal) for rows 0 … K − 1 only, without autograd graph.
/// </summary>
/// <remarks>
/// <para>MeanFlow needs the JVP only for the rows with r ≠ t, which the objective places first, so the tangent
/// of a layer's output is computed from its input tangent and from the primal intermediates of the leading K
/// rows (narrow views, no copies).</para>
/// <para>Conventions every layer follows: the primal stream is computed exactly as without a tangent (so the
/// plain forward pass is bit-identical and its gradients are unchanged); the tangent stream is computed under
/// <c>no_grad</c> and is never written into the primal graph; tensors of an input <see cref="Dual"/> are never
/// modified in place (an output may share a tensor with an input, e.g. the tangent of <c>x + constant</c>).</para>
/// </remarks>
public sealed partial class Dual : IDisposable
{
    /// <summary>Pairs a primal with a tangent of its leading rows, checking that they agree.</summary>
    /// <param name="primal">The value, shape (B, ...), at least one dimension (the batch).</param>
    /// <param name="tangent">Tangent of rows 0 … K − 1, shape (K, ...) with the primal's trailing shape and
    /// 0 ≤ K ≤ B; or <c>null</c> to propagate no tangent. The default is <c>null</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="primal"/> is null.</exception>
    /// <exception cref="ArgumentException">The primal has no batch dimension, or the tangent's shape, dtype or
    /// device disagrees with the primal's.</exception>
    public Dual(Tensor primal, Tensor? tangent = null)
    {
        ArgumentNullException.ThrowIfNull(primal);
        if (primal.dim() < 1)
            throw new ArgumentException($"primal must have a batch dimension; got a scalar of shape {LayerChecks.Shape(primal)}.", nameof(primal));
        if (tangent is not null) CheckTangent(primal, tangent);
        Primal = primal;
        Tangent = tangent;
    }

    /// <summary>The value on all B rows, shape (B, ...); carries the autograd graph.</summary>
    public Tensor Primal { get; }

    /// <summary>The tangent of rows 0 … K − 1, shape (K, ...), without autograd graph; or <c>null</c> when no
    /// tangent is propagated.</summary>
    public Tensor? Tangent { get; }

    /// <summary>Whether a tangent is propagated (possibly with K = 0 rows).</summary>
    public bool HasTangent => Tangent is not null;

    /// <summary>K, the number of leading rows with a tangent; 0 when <see cref="Tangent"/> is <c>null</c>.</summary>
    public long TangentRows => Tangent is null ? 0 : Tangent.shape[0];

    /// <summary>B, the number of rows of the primal.</summary>
    public long Rows => Primal.shape[0];

    /// <summary>The primal's leading K rows (a view, with graph): the point at which <see cref="Tangent"/> is
    /// taken. Use it under <c>no_grad</c> in tangent formulas.</summary>
    public Tensor LeadingPrimal => Primal.narrow(0, 0, TangentRows);

    /// <summary>
    /// A value that does not depend on the differentiated inputs: zero tangent on the leading
    /// <paramref name="tangentRows"/> rows, or no tangent when <paramref name="tangentRows"/> is <c>null</c>.
    /// </summary>
    /// <param name="primal">The value, shape (B, ...).</param>
    /// <param name="tangentRows">K, 0 ≤ K ≤ B, or <c>null</c>.</param>
    /// <returns>The pair (primal, 0) or (primal, null).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tangentRows"/> is outside [0, B].</exception>
    public static Dual Constant(Tensor primal, long? tangentRows)
    {
        ArgumentNullException.ThrowIfNull(primal);
        if (tangentRows is not { } k) return new Dual(primal);
        if (primal.dim() < 1 || k < 0 || k > primal.shape[0])
            throw new ArgumentOutOfRangeException(nameof(tangentRows), k,
                $"tangentRows must lie in [0, B] for a primal of shape {LayerChecks.Shape(primal)}; got {k}.");
        var shape = primal.shape;
        shape[0] = k;
        return new Dual(primal, zeros(shape, dtype: primal.dtype, device: primal.device));
    }

    /// <summary>
    /// Moves the tensors created in <paramref name="scope"/> to its outer scope; tensors this pair shares with
    /// its inputs (owned by an outer scope) stay where they are. Use it to return a result from a forward pass
    /// wrapped in a dispose scope.
    /// </summary>
    /// <param name="scope">The scope of the forward pass.</param>
    /// <returns>This instance.</returns>
    public Dual MoveToOuter(DisposeScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        scope.MoveToOuter(Primal);
        if (Tangent is not null) scope.MoveToOuter(Tangent);
        return this;
    }

    /// <summary>Moves both tensors to the outer scope of the scope that owns each (TorchSharp's
    /// <c>MoveToOuterDisposeScope</c>). Prefer <see cref="MoveToOuter(DisposeScope)"/> inside a layer, which
    /// leaves tensors shared with an input alone.</summary>
    /// <returns>This instance.</returns>
    public Dual MoveToOuterDisposeScope()
    {
        Primal.MoveToOuterDisposeScope();
        Tangent?.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Disposes the primal and the tangent.</summary>
    public void Dispose()
    {
        Primal.Dispose();
        Tangent?.Dispose();
    }

    private static void CheckTangent(Tensor primal, Tensor tangent)
    {
        var p = primal.shape;
        var t = tangent.shape;
        if (t.Length != p.Length || !p.AsSpan(1).SequenceEqual(t.AsSpan(1)) || t[0] > p[0])
            throw new ArgumentException(
                $"tangent must have shape [{string.Join(", ", p.Skip(1).Select(n => n.ToString()).Prepend("K"))}] with K ≤ {p[0]} (the primal's rows); " +
                $"got {LayerChecks.Shape(tangent)} for a primal of shape {LayerChecks.Shape(primal)}.", nameof(tangent));
        if (tangent.dtype != primal.dtype)
            throw new ArgumentException($"tangent has dtype {tangent.dtype} but the primal has {primal.dtype}.", nameof(tangent));
        if (tangent.device.type != primal.device.type || tangent.device.index != primal.device.index)
            throw new ArgumentException($"tangent is on {tangent.device} but the primal is on {primal.device}.", nameof(tangent));
    }
}

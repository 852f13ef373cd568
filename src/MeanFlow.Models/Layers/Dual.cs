using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using MeanFlow.Internal;
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
public sealed class Dual : IDisposable
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
            throw new ArgumentException($"primal must have a batch dimension; got a scalar of shape {Guard.Shape(primal)}.", nameof(primal));
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
                $"tangentRows must lie in [0, B] for a primal of shape {Guard.Shape(primal)}; got {k}.");
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

    // Sums and products with the product rule. Two pairs must both carry tangents of the same K rows or both
    // none; a plain Tensor operand is a constant (zero tangent). Shapes broadcast as for tensors, but a pair's
    // batch dimension stays first: a constant has at most the pair's dimensions and, if as many, 1 or B rows.

    /// <summary>Sum of two pairs: (a + b, da + db).</summary>
    /// <param name="a">First pair.</param>
    /// <param name="b">Second pair, same number of dimensions, tangent rows as <paramref name="a"/>.</param>
    /// <returns>The sum.</returns>
    public static Dual operator +(Dual a, Dual b)
    {
        CheckSameTangentRows(a, b, nameof(b));
        var primal = a.Primal + b.Primal;
        if (a.Tangent is null) return new Dual(primal);
        using (no_grad()) return new Dual(primal, a.Tangent + b.Tangent!);
    }

    /// <summary>Sum with a constant: (a + c, da), the tangent broadcast to the sum's shape if needed.</summary>
    /// <param name="a">The pair.</param>
    /// <param name="c">A constant broadcastable to <paramref name="a"/> without changing its batch dimension.</param>
    /// <returns>The sum.</returns>
    public static Dual operator +(Dual a, Tensor c)
    {
        CheckConstant(a, c, nameof(c));
        return WithSameTangent(a, a.Primal + c);
    }

    /// <summary>Sum with a constant: (c + a, da).</summary>
    /// <param name="c">A constant.</param>
    /// <param name="a">The pair.</param>
    /// <returns>The sum.</returns>
    public static Dual operator +(Tensor c, Dual a) => a + c;

    /// <summary>Difference of two pairs: (a − b, da − db).</summary>
    /// <param name="a">First pair.</param>
    /// <param name="b">Second pair.</param>
    /// <returns>The difference.</returns>
    public static Dual operator -(Dual a, Dual b)
    {
        CheckSameTangentRows(a, b, nameof(b));
        var primal = a.Primal - b.Primal;
        if (a.Tangent is null) return new Dual(primal);
        using (no_grad()) return new Dual(primal, a.Tangent - b.Tangent!);
    }

    /// <summary>Difference with a constant: (a − c, da).</summary>
    /// <param name="a">The pair.</param>
    /// <param name="c">A constant.</param>
    /// <returns>The difference.</returns>
    public static Dual operator -(Dual a, Tensor c)
    {
        CheckConstant(a, c, nameof(c));
        return WithSameTangent(a, a.Primal - c);
    }

    /// <summary>Negation: (−a, −da).</summary>
    /// <param name="a">The pair.</param>
    /// <returns>The negated pair.</returns>
    public static Dual operator -(Dual a)
    {
        var primal = -a.Primal;
        if (a.Tangent is null) return new Dual(primal);
        using (no_grad()) return new Dual(primal, a.Tangent.neg());
    }

    /// <summary>Product of two pairs by the product rule: (a·b, da·b + a·db), e.g. a DiT gate times a
    /// residual branch.</summary>
    /// <param name="a">First pair.</param>
    /// <param name="b">Second pair, same number of dimensions, tangent rows as <paramref name="a"/>.</param>
    /// <returns>The product.</returns>
    public static Dual operator *(Dual a, Dual b)
    {
        CheckSameTangentRows(a, b, nameof(b));
        var primal = a.Primal * b.Primal;
        if (a.Tangent is null) return new Dual(primal);
        using (no_grad())
        {
            var tangent = a.Tangent * b.LeadingPrimal;
            tangent.addcmul_(a.LeadingPrimal, b.Tangent!, 1);
            return new Dual(primal, tangent);
        }
    }

    /// <summary>Product with a constant: (a·c, da·c) with the constant's leading K rows if it has B rows.</summary>
    /// <param name="a">The pair.</param>
    /// <param name="c">A constant broadcastable to <paramref name="a"/> without changing its batch dimension.</param>
    /// <returns>The product.</returns>
    public static Dual operator *(Dual a, Tensor c)
    {
        CheckConstant(a, c, nameof(c));
        var primal = a.Primal * c;
        if (a.Tangent is null) return new Dual(primal);
        using (no_grad()) return new Dual(primal, a.Tangent * LeadingRowsOf(c, a));
    }

    /// <summary>Product with a constant: (c·a, c·da).</summary>
    /// <param name="c">A constant.</param>
    /// <param name="a">The pair.</param>
    /// <returns>The product.</returns>
    public static Dual operator *(Tensor c, Dual a) => a * c;

    /// <summary>Product with a scalar: (s·a, s·da).</summary>
    /// <param name="a">The pair.</param>
    /// <param name="s">The scalar.</param>
    /// <returns>The scaled pair.</returns>
    public static Dual operator *(Dual a, double s)
    {
        var primal = a.Primal * s;
        if (a.Tangent is null) return new Dual(primal);
        using (no_grad()) return new Dual(primal, a.Tangent * s);
    }

    /// <summary>Product with a scalar: (s·a, s·da).</summary>
    /// <param name="s">The scalar.</param>
    /// <param name="a">The pair.</param>
    /// <returns>The scaled pair.</returns>
    public static Dual operator *(double s, Dual a) => a * s;

    private static Dual WithSameTangent(Dual a, Tensor primal)
    {
        if (a.Tangent is null) return new Dual(primal);
        var shape = primal.shape;
        if (shape.AsSpan(1).SequenceEqual(a.Tangent.shape.AsSpan(1))) return new Dual(primal, a.Tangent);
        shape[0] = a.TangentRows;
        using (no_grad()) return new Dual(primal, a.Tangent.broadcast_to(shape));
    }

    /// <summary>The constant's rows that go with the tangent: its leading K rows when it has B rows.</summary>
    private static Tensor LeadingRowsOf(Tensor c, Dual a) =>
        c.dim() == a.Primal.dim() && c.shape[0] != 1 ? c.narrow(0, 0, a.TangentRows) : c;

    // Linear structural operations: the tangent undergoes the same map as the primal.

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
                $"A linear row-wise map must keep the {Rows} batch rows first; it mapped {Guard.Shape(Primal)} to {Guard.Shape(primal)}.",
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
                    $"The linear map worked on the primal {Guard.Shape(Primal)} but failed on the tangent {Guard.Shape(Tangent)}; " +
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
        var d = Guard.NonBatchDim(dim, Primal.dim(), nameof(dim));
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
        var d = Guard.NonBatchDim(dim, parts[0].Primal.dim(), nameof(dim));
        for (var i = 1; i < parts.Count; i++) CheckSameTangentRows(parts[0], parts[i], $"parts[{i}]");
        var primal = cat(parts.Select(p => p.Primal).ToList(), d);
        if (parts[0].Tangent is null) return new Dual(primal);
        Tensor tangent;
        using (no_grad()) tangent = cat(parts.Select(p => p.Tangent!).ToList(), d);
        return new Dual(primal, tangent);
    }

    private static void CheckTangent(Tensor primal, Tensor tangent)
    {
        var p = primal.shape;
        var t = tangent.shape;
        if (t.Length != p.Length || !p.AsSpan(1).SequenceEqual(t.AsSpan(1)) || t[0] > p[0])
            throw new ArgumentException(
                $"tangent must have shape [{string.Join(", ", p.Skip(1).Select(n => n.ToString()).Prepend("K"))}] with K ≤ {p[0]} (the primal's rows); " +
                $"got {Guard.Shape(tangent)} for a primal of shape {Guard.Shape(primal)}.", nameof(tangent));
        if (tangent.dtype != primal.dtype)
            throw new ArgumentException($"tangent has dtype {tangent.dtype} but the primal has {primal.dtype}.", nameof(tangent));
        if (tangent.device.type != primal.device.type || tangent.device.index != primal.device.index)
            throw new ArgumentException($"tangent is on {tangent.device} but the primal is on {primal.device}.", nameof(tangent));
    }

    /// <summary>A layer's input: not null, and a floating primal of the expected shape (see <see cref="Guard.Shaped"/>).</summary>
    internal static void CheckInput([NotNull] Dual? x, string name, string expected, int dims, bool atLeast = false, long dim = -1, long size = -1)
    {
        if (x is null) throw new ArgumentNullException(name);
        Guard.Shaped(x.Primal, name, expected, dims, atLeast, dim, size);
    }

    /// <summary>Two pairs that can be combined: same rank and rows, and both with tangents of equal K or both none.</summary>
    internal static void CheckSameTangentRows(Dual a, [NotNull] Dual? b, string name)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (b is null) throw new ArgumentNullException(name);
        if (a.Primal.dim() != b.Primal.dim() || a.Rows != b.Rows)
            throw new ArgumentException(
                $"{name} must have as many dimensions and batch rows as the other operand {Guard.Shape(a.Primal)}; got {Guard.Shape(b.Primal)}.", name);
        if (a.HasTangent != b.HasTangent)
            throw new ArgumentException(
                $"{name} {(b.HasTangent ? "carries" : "carries no")} tangent but the other operand {(a.HasTangent ? "does" : "does not")}; " +
                "mixing would silently drop a derivative. Use a Tensor for a constant, or Dual.Constant.", name);
        if (a.HasTangent && a.TangentRows != b.TangentRows)
            throw new ArgumentException($"{name} has a tangent of {b.TangentRows} rows but the other operand has {a.TangentRows}.", name);
    }

    /// <summary>A constant operand: at most the pair's rank and, at equal rank, 1 or B rows.</summary>
    private static void CheckConstant(Dual a, Tensor? c, string name)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (c is null) throw new ArgumentNullException(name);
        var rank = a.Primal.dim();
        if (c.dim() > rank || (c.dim() == rank && c.shape[0] != 1 && c.shape[0] != a.Rows))
            throw new ArgumentException(
                $"{name} must broadcast to {Guard.Shape(a.Primal)} without changing its batch dimension (at most {rank} dimensions, " +
                $"and 1 or {a.Rows} rows at equal rank); got {Guard.Shape(c)}.", name);
    }
}

using System;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

// Sums and products with the product rule. Two pairs must both carry tangents of the same K rows or both
// none; a plain Tensor operand is a constant (zero tangent). Shapes broadcast as for tensors, but a pair's
// batch dimension stays first: a constant has at most the pair's dimensions and, if as many, 1 or B rows.
public sealed partial class Dual
{
    /// <summary>Sum of two pairs: (a + b, da + db).</summary>
    /// <param name="a">First pair.</param>
    /// <param name="b">Second pair, same number of dimensions, tangent rows as <paramref name="a"/>.</param>
    /// <returns>The sum.</returns>
    public static Dual operator +(Dual a, Dual b)
    {
        LayerChecks.SameTangentRows(a, b, nameof(b));
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
        LayerChecks.Constant(a, c, nameof(c));
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
        LayerChecks.SameTangentRows(a, b, nameof(b));
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
        LayerChecks.Constant(a, c, nameof(c));
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
        LayerChecks.SameTangentRows(a, b, nameof(b));
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
        LayerChecks.Constant(a, c, nameof(c));
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
}

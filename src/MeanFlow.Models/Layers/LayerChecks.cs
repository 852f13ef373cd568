using System;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>Argument checks of the layers: messages name the argument and show the expected and actual shapes,
/// so that a bad shape never reaches native code.</summary>
internal static class LayerChecks
{
    internal static string Shape(Tensor x) => "[" + string.Join(", ", x.shape) + "]";

    internal static string Shape(params string[] dims) => "[" + string.Join(", ", dims) + "]";

    internal static void NotNull(Dual? x, string name)
    {
        if (x is null) throw new ArgumentNullException(name);
    }

    /// <summary>A floating primal with exactly <paramref name="dims"/> dimensions (or at least, when
    /// <paramref name="atLeast"/>) whose dimension <paramref name="dim"/> has size <paramref name="size"/>.</summary>
    internal static void Input(Dual? x, string name, string expected, int dims, bool atLeast = false, long dim = -1, long size = -1)
    {
        NotNull(x, name);
        var p = x!.Primal;
        if (!p.is_floating_point())
            throw new ArgumentException($"{name} must be a floating-point tensor; got dtype {p.dtype}.", name);
        var n = p.dim();
        if (atLeast ? n < dims : n != dims)
            throw new ArgumentException($"{name} must have shape {expected}; got {Shape(p)}.", name);
        if (size >= 0 && p.shape[dim < 0 ? n + dim : dim] != size)
            throw new ArgumentException($"{name} must have shape {expected}; got {Shape(p)}.", name);
    }

    /// <summary>A non-batch dimension, normalised to [1, rank).</summary>
    internal static long NonBatchDim(long dim, long rank, string name)
    {
        var d = dim < 0 ? dim + rank : dim;
        if (d < 1 || d >= rank)
            throw new ArgumentOutOfRangeException(name, dim,
                $"{name} must be a non-batch dimension of a {rank}-dimensional tensor (1 … {rank - 1}, or −{rank - 1} … −1); got {dim}.");
        return d;
    }

    /// <summary>Two pairs that can be combined: same rank and rows, and both with tangents of equal K or both none.</summary>
    internal static void SameTangentRows(Dual a, Dual? b, string name)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (b is null) throw new ArgumentNullException(name);
        if (a.Primal.dim() != b.Primal.dim() || a.Rows != b.Rows)
            throw new ArgumentException(
                $"{name} must have as many dimensions and batch rows as the other operand {Shape(a.Primal)}; got {Shape(b.Primal)}.", name);
        if (a.HasTangent != b.HasTangent)
            throw new ArgumentException(
                $"{name} {(b.HasTangent ? "carries" : "carries no")} tangent but the other operand {(a.HasTangent ? "does" : "does not")}; " +
                "mixing would silently drop a derivative. Use a Tensor for a constant, or Dual.Constant.", name);
        if (a.HasTangent && a.TangentRows != b.TangentRows)
            throw new ArgumentException($"{name} has a tangent of {b.TangentRows} rows but the other operand has {a.TangentRows}.", name);
    }

    /// <summary>A constant operand: at most the pair's rank and, at equal rank, 1 or B rows.</summary>
    internal static void Constant(Dual a, Tensor? c, string name)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (c is null) throw new ArgumentNullException(name);
        var rank = a.Primal.dim();
        if (c.dim() > rank || (c.dim() == rank && c.shape[0] != 1 && c.shape[0] != a.Rows))
            throw new ArgumentException(
                $"{name} must broadcast to {Shape(a.Primal)} without changing its batch dimension (at most {rank} dimensions, " +
                $"and 1 or {a.Rows} rows at equal rank); got {Shape(c)}.", name);
    }

    internal static void Positive(long value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive; got {value}.");
    }

    internal static void PositiveFinite(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite positive number; got {value}.");
    }
}

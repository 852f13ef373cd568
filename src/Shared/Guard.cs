using System;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Internal;

/// <summary>
/// Argument checks for the public surface. Every message names the argument and the offending value
/// or shape, so that bad input never reaches native code as a crash or a silent wrong answer.
/// </summary>
internal static class Guard
{
    internal static string Shape(Tensor x) => "[" + string.Join(", ", x.shape) + "]";

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A scalar tensor's value at its own precision (a float32 0.7 prints as 0.7, not 0.699999988).</summary>
    internal static string Format(Tensor scalar) => scalar.dtype == ScalarType.Float64
        ? Format(HostRead.Double(scalar))
        : ((float)HostRead.Double(scalar)).ToString("R", CultureInfo.InvariantCulture);

    internal static void Finite(double value, string name)
    {
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite; got {Format(value)}.");
    }

    internal static void Positive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite positive number; got {Format(value)}.");
    }

    internal static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number ≥ 0; got {Format(value)}.");
    }

    internal static void Fraction(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1]; got {Format(value)}.");
    }

    internal static void Positive(long value, string name)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive; got {value}.");
    }

    internal static Tensor NotNull(Tensor? x, string name) =>
        x is null ? throw new ArgumentNullException(name) : x;

    /// <summary>A floating-point tensor with at least <paramref name="minDims"/> dimensions.</summary>
    internal static void Floating(Tensor? x, string name, int minDims = 0)
    {
        NotNull(x, name);
        if (!x!.is_floating_point())
            throw new ArgumentException($"{name} must be a floating-point tensor; got dtype {x.dtype}.", name);
        if (x.dim() < minDims)
            throw new ArgumentException($"{name} must have at least {minDims} dimension(s) (batch first); got shape {Shape(x)}.", name);
    }

    /// <summary>A floating-point vector of shape (batch,).</summary>
    internal static void BatchVector(Tensor? x, long batch, string name)
    {
        Floating(x, name);
        if (x!.dim() != 1 || x.shape[0] != batch)
            throw new ArgumentException($"{name} must have shape [{batch}] (one value per row); got {Shape(x)}.", name);
    }

    internal static void SameShape(Tensor a, string nameA, Tensor b, string nameB)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"{nameB} must have the shape of {nameA} {Shape(a)}; got {Shape(b)}.", nameB);
    }

    internal static void SameDevice(Tensor a, string nameA, Tensor b, string nameB)
    {
        if (a.device.type != b.device.type || a.device.index != b.device.index)
            throw new ArgumentException($"{nameB} is on {b.device} but {nameA} is on {a.device}; move them to one device.", nameB);
    }

    internal static void SameDtype(Tensor a, string nameA, Tensor b, string nameB)
    {
        if (a.dtype != b.dtype)
            throw new ArgumentException($"{nameB} has dtype {b.dtype} but {nameA} has {a.dtype}; use one floating dtype.", nameB);
    }

    /// <summary>Labels: int64, shape (batch,), values in [0, maxExclusive).</summary>
    internal static void Labels(Tensor? labels, long batch, long maxExclusive, string name)
    {
        if (labels is null) return;
        LabelsShape(labels, batch, name);
        if (batch == 0) return;
        long min = HostRead.Int64(labels.min()), max = HostRead.Int64(labels.max());
        if (min < 0 || max >= maxExclusive)
            throw new ArgumentOutOfRangeException(name, $"{name} must lie in [0, {maxExclusive}); got values from {min} to {max}.");
    }

    /// <summary>Labels: int64, shape (batch,); their values are not read.</summary>
    internal static void LabelsShape(Tensor? labels, long batch, string name)
    {
        if (labels is null) return;
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"{name} must be an int64 tensor of class indices; got dtype {labels.dtype}.", name);
        if (labels.dim() != 1 || labels.shape[0] != batch)
            throw new ArgumentException($"{name} must have shape [{batch}]; got {Shape(labels)}.", name);
    }

    internal static void AllFinite(Tensor x, string name)
    {
        using var scope = NewDisposeScope();
        if (x.numel() == 0) return;
        if (!HostRead.Bool(isfinite(x).all()))
        {
            long bad = HostRead.Int64((~isfinite(x)).sum());
            throw new ArgumentException($"{name} contains {bad} non-finite value(s) (NaN or ±Inf) in a tensor of shape {Shape(x)}.", name);
        }
    }

    /// <summary>Every value in [0, 1].</summary>
    internal static void UnitInterval(Tensor x, string name)
    {
        using var scope = NewDisposeScope();
        AllFinite(x, name);
        if (x.numel() == 0) return;
        Tensor min = x.min(), max = x.max();
        if (HostRead.Double(min) < 0 || HostRead.Double(max) > 1)
            throw new ArgumentOutOfRangeException(name, $"{name} must lie in [0, 1]; got values from {Format(min)} to {Format(max)}.");
    }

    /// <summary>r ≤ t in every row.</summary>
    internal static void StartNotAfterEnd(Tensor r, Tensor t, string nameR = "r", string nameT = "t")
    {
        using var scope = NewDisposeScope();
        var bad = r > t;
        if (HostRead.Bool(bad.any()))
        {
            long row = HostRead.Int64(HostRead.Nonzero(bad)[0, 0]);
            throw new ArgumentOutOfRangeException(nameR,
                $"{nameR} ≤ {nameT} must hold in every row; row {row} has {nameR} = {Format(r[row])} > {nameT} = {Format(t[row])}.");
        }
    }

    /// <summary>A floating-point tensor with exactly <paramref name="dims"/> dimensions (at least that many with
    /// <paramref name="atLeast"/>) and, when <paramref name="size"/> ≥ 0, size <paramref name="size"/> in dimension
    /// <paramref name="dim"/> (negative counts from the end); the message shows <paramref name="expected"/>, e.g.
    /// "[B, C, H, W]".</summary>
    internal static void Shaped(Tensor? x, string name, string expected, int dims, bool atLeast = false, long dim = -1, long size = -1)
    {
        Floating(x, name);
        var n = x!.dim();
        if ((atLeast ? n < dims : n != dims) || (size >= 0 && x.shape[dim < 0 ? n + dim : dim] != size))
            throw new ArgumentException($"{name} must have shape {expected}; got {Shape(x)}.", name);
    }

    /// <summary>A non-batch dimension of a tensor of rank <paramref name="rank"/>, normalised to [1, rank).</summary>
    internal static long NonBatchDim(long dim, long rank, string name)
    {
        var d = dim < 0 ? dim + rank : dim;
        if (d < 1 || d >= rank)
            throw new ArgumentOutOfRangeException(name, dim,
                $"{name} must be a non-batch dimension of a {rank}-dimensional tensor (1 … {rank - 1}, or −{rank - 1} … −1); got {dim}.");
        return d;
    }

    internal static void AtLeast(long value, long minimum, string name)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ {minimum}; got {value}.");
    }

    internal static void NonZero(double value, string name)
    {
        if (!double.IsFinite(value) || value == 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and non-zero; got {Format(value)}.");
    }
}

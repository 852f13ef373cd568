using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Internal;

/// <summary>
/// The one way the library reads tensor values back to the host (<c>item</c>, <c>ToDouble</c>, <c>data</c>,
/// <c>nonzero</c>, whose output size depends on values). On a GPU each read waits for the device's queue to drain, so
/// the training step makes none; this seam counts them per thread so that a test can prove it, and a source-scan test
/// forbids reads that bypass it in the hot-path files.
/// </summary>
internal static class HostRead
{
    [ThreadStatic] private static long t_count;

    /// <summary>Reads made through this seam on the calling thread since it started (tests take differences).</summary>
    internal static long Count => t_count;

    /// <summary>A scalar as a double.</summary>
    internal static double Double(Tensor scalar)
    {
        t_count++;
        return scalar.ToDouble();
    }

    /// <summary>A scalar as an int64.</summary>
    internal static long Int64(Tensor scalar)
    {
        t_count++;
        return scalar.ToInt64();
    }

    /// <summary>A boolean scalar.</summary>
    internal static bool Bool(Tensor scalar)
    {
        t_count++;
        return scalar.item<bool>();
    }

    /// <summary>All values, in row-major order (one read however many values).</summary>
    internal static T[] Values<T>(Tensor x) where T : unmanaged
    {
        t_count++;
        return x.contiguous().data<T>().ToArray();
    }

    /// <summary>The indices of the non-zero entries, shape (N, x.dim()): their number N is only known after a read.</summary>
    internal static Tensor Nonzero(Tensor x)
    {
        t_count++;
        return x.nonzero();
    }
}

namespace MeanFlow.Tests;

/// <summary>Comparison helpers with explicit tolerances.</summary>
internal static class TestTensors
{
    /// <summary>max|a − b| / max(max|b|, tiny).</summary>
    internal static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var a = actual.to(ScalarType.Float64);
        var e = expected.to(ScalarType.Float64);
        var scale = Math.Max(e.abs().max().ToDouble(), 1e-300);
        return (a - e).abs().max().ToDouble() / scale;
    }

    internal static void AssertClose(Tensor actual, Tensor expected, double relativeTolerance, string what = "")
    {
        Assert.Equal(expected.shape, actual.shape);
        var error = RelativeError(actual, expected);
        Assert.True(error <= relativeTolerance, $"{what} relative error {error:E3} exceeds {relativeTolerance:E1}");
    }

    internal static void AssertAbsolute(Tensor actual, Tensor expected, double tolerance, string what = "")
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var error = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().ToDouble();
        Assert.True(error <= tolerance, $"{what} absolute error {error:E3} exceeds {tolerance:E1}");
    }

    /// <summary>Same shape and bit-for-bit equal values.</summary>
    internal static bool Identical(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.AsSpan().SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();
    }
}

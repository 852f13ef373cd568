using System;
using System.Collections.Generic;
using Xunit;
using Xunit.Abstractions;
using static MeanFlow.Tests.TestTensors;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Checkpoints;

/// <summary>
/// The float32 check of a PyTorch fixture that stores, for an output <c>name</c>, its float64 reference <c>name</c> and
/// PyTorch's float32 evaluation <c>name_f32</c> of the same float32 weights.
/// </summary>
/// <remarks>
/// Tolerance: a float32 evaluation differs from the float64 value only by rounding, which each library commits in its
/// own order. PyTorch's own float32 output is a measured instance of that error; ours may differ from the float64
/// value by somewhat more (other kernels, other summation order) but not by much: 2× PyTorch's error, and at least
/// 32 ulps of float32 (2⁻¹⁸ ≈ 3.8e-6) relative to the largest value, the order of round-off through a few blocks of
/// normalisation, attention and MLP. A wrong formula shows up as 1e-2 or more (the outputs are O(1) and every parameter
/// reaches them).
/// </remarks>
internal static class Float32RoundOff
{
    internal static void AssertAgrees(Tensor ours, IReadOnlyDictionary<string, Tensor> io, string name, ITestOutputHelper output)
    {
        Assert.Equal(ScalarType.Float32, ours.dtype);
        var torchError = RelativeError(io[name + "_f32"], io[name]);
        var tolerance = Math.Max(2 * torchError, Math.Pow(2, -18));
        output.WriteLine($"float32 {name}: ours {RelativeError(ours, io[name]):E2}, PyTorch {torchError:E2}, tolerance {tolerance:E2}; " +
                         $"ours vs PyTorch float32 {RelativeError(ours, io[name + "_f32"]):E2}");
        AssertClose(ours, io[name], tolerance, $"{name} in float32 against the float64 reference");
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Models.Layers;
using TorchSharp;
using Xunit;
using static MeanFlow.Tests.TestTensors;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Layers;

/// <summary>
/// The checks every tangent-capable layer must pass, in float64: its tangent equals the exact JVP computed by
/// double backward through its own plain forward pass; the primal is bit-identical with and without tangent; and
/// the gradients of a loss on the primal are bit-identical and reach every parameter and input.
/// </summary>
internal static class TangentCheck
{
    internal const double Tolerance = 1e-10;

    internal static Generator Seeded(ulong seed) => new Generator(seed);

    internal static Tensor Normal(Generator g, params long[] shape) => randn(shape, dtype: ScalarType.Float64, generator: g);

    /// <summary>J·d of <paramref name="f"/> at <paramref name="at"/> by the double-backward identity
    /// J·d = ∂⟨Jᵀw, d⟩/∂w (independent of the layers' tangent code).</summary>
    internal static Tensor DoubleBackwardJvp(Func<Tensor[], Tensor> f, Tensor[] at, Tensor[] directions)
    {
        using var grad = enable_grad();
        var inputs = at.Select(a => a.detach().requires_grad_(true)).ToArray();
        var y = f(inputs);
        if (!y.requires_grad) return zeros_like(y);     // y does not depend on the inputs (autograd.grad would abort)
        var w = zeros_like(y).requires_grad_(true);
        var g = torch.autograd.grad(new[] { y }, inputs, new[] { w }, retain_graph: true, create_graph: true, allow_unused: true);
        Tensor? inner = null;
        for (var i = 0; i < inputs.Length; i++)
        {
            if (g[i].IsInvalid) continue;   // an input f does not use: no gradient (reading Handle would throw)
            var term = (g[i] * directions[i]).sum();
            inner = inner is null ? term : inner + term;
        }
        if (inner is null || !inner.requires_grad) return zeros_like(y);
        var jv = torch.autograd.grad(new[] { inner }, new[] { w }, allow_unused: true)[0];
        return jv.IsInvalid ? zeros_like(y) : jv.detach();
    }

    internal static Tensor[] Leading(IEnumerable<Tensor> xs, long k) => xs.Select(x => x.narrow(0, 0, k)).ToArray();

    internal static Dual[] Plain(IEnumerable<Tensor> xs) => xs.Select(x => new Dual(x)).ToArray();

    /// <summary>Tangent of <paramref name="f"/> on K rows against double backward of
    /// <paramref name="reference"/> (default: the plain forward of <paramref name="f"/>), and the primal
    /// bit-identical to the plain forward.</summary>
    internal static void TangentIsExact(Func<Dual[], Dual> f, Tensor[] inputs, long k, ulong seed = 7,
        Func<Tensor[], Tensor>? reference = null, Action? beforeEachCall = null)
    {
        using var scope = NewDisposeScope();
        var g = Seeded(seed);
        var directions = inputs.Select(x => Normal(g, x.shape.Select((n, i) => i == 0 ? k : n).ToArray())).ToArray();
        beforeEachCall?.Invoke();
        var output = f(inputs.Zip(directions, (x, d) => new Dual(x, d)).ToArray());
        Assert.NotNull(output.Tangent);
        var tangent = output.Tangent!;
        Assert.Equal(output.Primal.shape.Select((n, i) => i == 0 ? k : n).ToArray(), tangent.shape);
        Assert.False(tangent.requires_grad, "the tangent must carry no autograd graph");

        beforeEachCall?.Invoke();
        var plain = f(Plain(inputs));
        Assert.Null(plain.Tangent);
        Assert.True(Identical(plain.Primal, output.Primal), "the primal must be bit-identical with and without tangent");

        if (k == 0) return;
        reference ??= xs => { beforeEachCall?.Invoke(); return f(Plain(xs)).Primal; };
        var expected = DoubleBackwardJvp(reference, Leading(inputs, k), directions);
        Assert.True(expected.abs().max().ToDouble() > 0, "the reference JVP is zero: the check could not fail");
        AssertClose(tangent, expected, Tolerance, $"tangent of {k} rows");
    }

    /// <summary>Runs <see cref="TangentIsExact"/> for K = 0, K = <paramref name="partialRows"/> &lt; B and K = B.</summary>
    internal static void TangentIsExactForAllRowCounts(Func<Dual[], Dual> f, Tensor[] inputs, long partialRows = 2,
        Func<Tensor[], Tensor>? reference = null, Action? beforeEachCall = null)
    {
        var b = inputs[0].shape[0];
        Assert.True(partialRows > 0 && partialRows < b);
        foreach (var k in new[] { 0, partialRows, b }) TangentIsExact(f, inputs, k, 7 + (ulong)k, reference, beforeEachCall);
    }

    internal static void TangentIsExactForAllRowCounts(nn.Module<Dual, Dual> layer, Tensor input, long partialRows = 2) =>
        TangentIsExactForAllRowCounts(xs => layer.call(xs[0]), new[] { input }, partialRows);

    /// <summary>The gradients of a loss on the primal with respect to every parameter and every input are
    /// present (no parameter cut out of the graph) and bit-identical with and without tangent propagation.</summary>
    internal static void GradientsAreUnchanged(Func<Dual[], Dual> f, IEnumerable<Tensor> parameters, Tensor[] inputs,
        long k = 2, Action? beforeEachCall = null)
    {
        using var scope = NewDisposeScope();
        var ps = parameters.ToArray();
        var g = Seeded(11);
        var directions = inputs.Select(x => Normal(g, x.shape.Select((n, i) => i == 0 ? k : n).ToArray())).ToArray();
        Tensor? weights = null;
        Tensor[] Gradients(bool withTangent)
        {
            using var grad = enable_grad();
            var leaves = inputs.Select(x => x.detach().requires_grad_(true)).ToArray();
            beforeEachCall?.Invoke();
            var duals = withTangent ? leaves.Zip(directions, (x, d) => new Dual(x, d)).ToArray() : Plain(leaves);
            var y = f(duals).Primal;
            weights ??= Normal(Seeded(13), y.shape);
            // Checked before autograd.grad: asking for the gradient of a graph-less loss aborts the process.
            Assert.True(y.requires_grad, $"the primal lost its autograd graph (withTangent = {withTangent}): a layer computed it under no_grad");
            var loss = (y * weights).sum();
            return torch.autograd.grad(new[] { loss }, ps.Concat(leaves).ToArray(), allow_unused: true).ToArray();
        }
        var without = Gradients(false);
        var with = Gradients(true);
        for (var i = 0; i < without.Length; i++)
        {
            var what = i < ps.Length ? $"parameter {i}" : $"input {i - ps.Length}";
            Assert.False(without[i].IsInvalid, $"{what} receives no gradient in the plain forward");
            Assert.False(with[i].IsInvalid, $"{what} receives no gradient when a tangent is propagated");
            Assert.True(Identical(without[i], with[i]), $"{what}'s gradient changes when a tangent is propagated");
        }
    }

    internal static void GradientsAreUnchanged(nn.Module<Dual, Dual> layer, Tensor input, long k = 2) =>
        GradientsAreUnchanged(xs => layer.call(xs[0]), layer.parameters(), new[] { input }, k);
}

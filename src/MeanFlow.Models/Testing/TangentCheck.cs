using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Internal;
using MeanFlow.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Testing;

/// <summary>
/// Checks a tangent-capable layer, or any function of <see cref="Dual"/>s, the way this library checks its own: its
/// tangent equals the exact JVP of its own plain forward pass computed by double backward; its primal is bit-identical
/// with and without a tangent; and the gradients of a loss on the primal reach every parameter and input and are
/// bit-identical with and without a tangent. Run the checks in float64, with parameters perturbed away from
/// initial values that hide paths (zeros, identities).
/// </summary>
/// <remarks>It needs no test framework: a check that fails throws a <see cref="TangentCheckException"/> whose message
/// says what failed and by how much; one that passes returns a <see cref="TangentCheckReport"/> with the measured errors.
/// Tangent directions and loss weights are drawn from fixed seeds, so a check is reproducible.</remarks>
public static class TangentCheck
{
    /// <summary>The relative tolerance of a tangent against double backward, 1e-10 (in float64 the library's hand-written
    /// tangents agree to about 1e-15).</summary>
    public const double DefaultTolerance = 1e-10;

    /// <summary>J·d of <paramref name="function"/> at <paramref name="at"/> by the double-backward identity
    /// J·d = ∂⟨Jᵀw, d⟩/∂w, independent of any tangent code. Inputs the function does not use count as zero.</summary>
    /// <param name="function">A differentiable function of plain tensors.</param>
    /// <param name="at">The point, one tensor per input.</param>
    /// <param name="directions">d, one tensor per input, shaped like it.</param>
    /// <returns>The JVP, shaped like the function's output, without graph.</returns>
    /// <exception cref="ArgumentException">The inputs and directions differ in count or shape.</exception>
    public static Tensor DoubleBackwardJvp(Func<Tensor[], Tensor> function, Tensor[] at, Tensor[] directions)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(at);
        ArgumentNullException.ThrowIfNull(directions);
        if (at.Length != directions.Length)
            throw new ArgumentException($"directions must have one tensor per input ({at.Length}); got {directions.Length}.", nameof(directions));
        for (var i = 0; i < at.Length; i++) Guard.SameShape(at[i], $"at[{i}]", directions[i], $"directions[{i}]");
        return DoubleBackward.Jvp(function, at, directions);
    }

    /// <summary>
    /// The tangent of <paramref name="function"/> on the leading <paramref name="tangentRows"/> rows equals the JVP of
    /// <paramref name="reference"/> by double backward, it carries no graph, and the primal is bit-identical to the
    /// plain call's.
    /// </summary>
    /// <param name="function">The layer under test, called with one pair per input.</param>
    /// <param name="inputs">The inputs, shape (B, ...) each, all with B rows (float64 recommended).</param>
    /// <param name="tangentRows">K, 0 ≤ K ≤ B.</param>
    /// <param name="seed">Seed of the random tangent directions. The default is 7.</param>
    /// <param name="reference">The function whose JVP the tangent must equal; <c>null</c> for the plain call of
    /// <paramref name="function"/> (the primal of pairs without tangents). The default is <c>null</c>.</param>
    /// <param name="beforeEachCall">Run before every call, e.g. to re-seed a stochastic layer's generator so that every
    /// call draws the same randomness; or <c>null</c>. The default is <c>null</c>.</param>
    /// <param name="tolerance">The largest relative error allowed. The default is <see cref="DefaultTolerance"/>.</param>
    /// <returns>The measured errors.</returns>
    /// <exception cref="TangentCheckException">The check failed.</exception>
    /// <exception cref="ArgumentException">The inputs are empty or differ in rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tangentRows"/> is outside [0, B], or the tolerance is negative.</exception>
    public static TangentCheckReport TangentIsExact(Func<Dual[], Dual> function, Tensor[] inputs, long tangentRows, ulong seed = 7,
        Func<Tensor[], Tensor>? reference = null, Action? beforeEachCall = null, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(function);
        var rows = Rows(inputs);
        if (tangentRows < 0 || tangentRows > rows)
            throw new ArgumentOutOfRangeException(nameof(tangentRows), tangentRows, $"tangentRows must lie in [0, {rows}]; got {tangentRows}.");
        Guard.NonNegative(tolerance, nameof(tolerance));
        var k = tangentRows;
        using var scope = NewDisposeScope();
        var directions = Directions(inputs, k, new Generator(seed));
        beforeEachCall?.Invoke();
        var output = function(inputs.Zip(directions, (x, d) => new Dual(x, d)).ToArray())
            ?? throw new TangentCheckException("The function returned null.");
        if (output.Tangent is null) throw new TangentCheckException($"The function returned no tangent although its inputs carried {k} tangent rows.");
        if (output.TangentRows != k)
            throw new TangentCheckException($"The function returned a tangent of {output.TangentRows} rows; its inputs carried {k}.");
        if (output.Tangent.requires_grad)
            throw new TangentCheckException("The tangent carries an autograd graph: compute it under no_grad (the MeanFlow target is stop-gradient).");

        beforeEachCall?.Invoke();
        var plain = function(Plain(inputs)) ?? throw new TangentCheckException("The function returned null.");
        if (plain.Tangent is not null) throw new TangentCheckException("The function returned a tangent although its inputs carried none.");
        var measurements = new List<TangentCheckMeasurement>
        {
            new($"primal with and without a tangent of {k} rows", Difference(output.Primal, plain.Primal), 0),
        };
        if (k > 0)
        {
            reference ??= xs => { beforeEachCall?.Invoke(); return function(Plain(xs)).Primal; };
            var expected = DoubleBackward.Jvp(reference, inputs.Select(x => x.narrow(0, 0, k)).ToArray(), directions);
            if (!(expected.abs().max().ToDouble() > 0))
                throw new TangentCheckException(
                    "The reference JVP is zero on these inputs, so the check could not fail: perturb the parameters or the inputs.");
            measurements.Add(new($"tangent of {k} rows against double backward", RelativeError(output.Tangent, expected), tolerance));
        }
        return new TangentCheckReport(measurements).ThrowIfFailed("The tangent check failed");
    }

    /// <summary>Runs <see cref="TangentIsExact"/> for K = 0, K = <paramref name="partialRows"/> and K = B, each with its
    /// own directions (seed 7 + K).</summary>
    /// <param name="function">The layer under test, called with one pair per input.</param>
    /// <param name="inputs">The inputs, shape (B, ...) each, all with B rows (float64 recommended).</param>
    /// <param name="partialRows">The K strictly between 0 and B. The default is 2.</param>
    /// <param name="reference">As for <see cref="TangentIsExact"/>. The default is <c>null</c>.</param>
    /// <param name="beforeEachCall">As for <see cref="TangentIsExact"/>. The default is <c>null</c>.</param>
    /// <param name="tolerance">The largest relative error allowed. The default is <see cref="DefaultTolerance"/>.</param>
    /// <returns>The measured errors of the three checks.</returns>
    /// <exception cref="TangentCheckException">A check failed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partialRows"/> is not strictly between 0 and B.</exception>
    public static TangentCheckReport TangentIsExactForAllRowCounts(Func<Dual[], Dual> function, Tensor[] inputs, long partialRows = 2,
        Func<Tensor[], Tensor>? reference = null, Action? beforeEachCall = null, double tolerance = DefaultTolerance)
    {
        var rows = Rows(inputs);
        if (partialRows <= 0 || partialRows >= rows)
            throw new ArgumentOutOfRangeException(nameof(partialRows), partialRows, $"partialRows must lie strictly between 0 and B = {rows}; got {partialRows}.");
        return new[] { 0, partialRows, rows }
            .Select(k => TangentIsExact(function, inputs, k, 7 + (ulong)k, reference, beforeEachCall, tolerance))
            .Aggregate((all, next) => all.Concat(next));
    }

    /// <summary>Runs <see cref="TangentIsExactForAllRowCounts(Func{Dual[], Dual}, Tensor[], long, Func{Tensor[], Tensor}?, Action?, double)"/>
    /// on a layer with one input.</summary>
    /// <param name="layer">The layer under test.</param>
    /// <param name="input">Its input, shape (B, ...) (float64 recommended).</param>
    /// <param name="partialRows">The K strictly between 0 and B. The default is 2.</param>
    /// <returns>The measured errors.</returns>
    /// <exception cref="TangentCheckException">A check failed.</exception>
    public static TangentCheckReport TangentIsExactForAllRowCounts(nn.Module<Dual, Dual> layer, Tensor input, long partialRows = 2)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return TangentIsExactForAllRowCounts(xs => layer.call(xs[0]), new[] { input }, partialRows);
    }

    /// <summary>
    /// The gradients of a loss on the primal (a fixed random weighting of its values) with respect to every parameter
    /// and every input exist — no parameter is cut out of the graph, e.g. by a primal computed under <c>no_grad</c> —
    /// and are bit-identical with and without tangent propagation on the leading <paramref name="tangentRows"/> rows.
    /// </summary>
    /// <param name="function">The layer under test, called with one pair per input.</param>
    /// <param name="parameters">The parameters that must receive gradients.</param>
    /// <param name="inputs">The inputs, shape (B, ...) each, all with B rows.</param>
    /// <param name="tangentRows">K, 0 ≤ K ≤ B. The default is 2.</param>
    /// <param name="beforeEachCall">As for <see cref="TangentIsExact"/>. The default is <c>null</c>.</param>
    /// <returns>The measured differences (0 when bit-identical).</returns>
    /// <exception cref="TangentCheckException">The check failed.</exception>
    /// <exception cref="ArgumentException">The inputs are empty or differ in rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tangentRows"/> is outside [0, B].</exception>
    public static TangentCheckReport GradientsAreUnchanged(Func<Dual[], Dual> function, IEnumerable<Tensor> parameters, Tensor[] inputs,
        long tangentRows = 2, Action? beforeEachCall = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Gradients(function, parameters.Select((p, i) => ($"parameter {i}", p)).ToArray(), inputs, tangentRows, beforeEachCall);
    }

    /// <summary>Runs <see cref="GradientsAreUnchanged(Func{Dual[], Dual}, IEnumerable{Tensor}, Tensor[], long, Action?)"/>
    /// on a layer with one input, for all of its parameters (named in the report).</summary>
    /// <param name="layer">The layer under test.</param>
    /// <param name="input">Its input, shape (B, ...).</param>
    /// <param name="tangentRows">K, 0 ≤ K ≤ B. The default is 2.</param>
    /// <returns>The measured differences (0 when bit-identical).</returns>
    /// <exception cref="TangentCheckException">The check failed.</exception>
    public static TangentCheckReport GradientsAreUnchanged(nn.Module<Dual, Dual> layer, Tensor input, long tangentRows = 2)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var parameters = layer.named_parameters().Select(p => ($"parameter {p.name}", (Tensor)p.parameter)).ToArray();
        return Gradients(xs => layer.call(xs[0]), parameters, new[] { input }, tangentRows, null);
    }

    private static TangentCheckReport Gradients(Func<Dual[], Dual> function, (string Name, Tensor Parameter)[] parameters, Tensor[] inputs,
        long tangentRows, Action? beforeEachCall)
    {
        ArgumentNullException.ThrowIfNull(function);
        var rows = Rows(inputs);
        if (tangentRows < 0 || tangentRows > rows)
            throw new ArgumentOutOfRangeException(nameof(tangentRows), tangentRows, $"tangentRows must lie in [0, {rows}]; got {tangentRows}.");
        using var scope = NewDisposeScope();
        var directions = Directions(inputs, tangentRows, new Generator(11));
        Tensor? weights = null;
        Tensor[] Gradients(bool withTangent)
        {
            using var grad = enable_grad();
            var leaves = inputs.Select(x => x.detach().requires_grad_(true)).ToArray();
            beforeEachCall?.Invoke();
            var y = function(withTangent ? leaves.Zip(directions, (x, d) => new Dual(x, d)).ToArray() : Plain(leaves)).Primal;
            // Checked before autograd.grad: asking for the gradient of a graph-less loss aborts the process.
            if (!y.requires_grad)
                throw new TangentCheckException(
                    $"The primal has no autograd graph ({(withTangent ? "with" : "without")} a tangent): a layer computed it under no_grad.");
            weights ??= RandomDraw.Normal(y.shape, y.dtype, y.device, new Generator(13));
            var loss = (y * weights).sum();
            return torch.autograd.grad(new[] { loss }, parameters.Select(p => p.Parameter).Concat(leaves).ToArray(), allow_unused: true).ToArray();
        }
        var without = Gradients(false);
        var with = Gradients(true);
        var names = parameters.Select(p => p.Name).Concat(inputs.Select((_, i) => $"input {i}")).ToArray();
        for (var i = 0; i < names.Length; i++)
            if (without[i].IsInvalid || with[i].IsInvalid)
                throw new TangentCheckException(
                    $"{names[i]} receives no gradient {(without[i].IsInvalid ? "in the plain forward pass" : "when a tangent is propagated")}: " +
                    "it is cut out of the graph, or does not influence the output.");
        return new TangentCheckReport(names.Select((name, i) =>
                new TangentCheckMeasurement($"gradient of {name} with and without a tangent of {tangentRows} rows", Difference(with[i], without[i]), 0)))
            .ThrowIfFailed("The gradient check failed");
    }

    private static long Rows(Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length == 0) throw new ArgumentException("inputs must hold at least one tensor.", nameof(inputs));
        for (var i = 0; i < inputs.Length; i++) Guard.Floating(inputs[i], $"inputs[{i}]", minDims: 1);
        var rows = inputs[0].shape[0];
        for (var i = 1; i < inputs.Length; i++)
            if (inputs[i].shape[0] != rows)
                throw new ArgumentException($"inputs[{i}] has {inputs[i].shape[0]} rows but inputs[0] has {rows}; every input needs the same B.", nameof(inputs));
        return rows;
    }

    /// <summary>Random tangents of the leading K rows of each input, drawn in input order.</summary>
    private static Tensor[] Directions(Tensor[] inputs, long k, Generator generator) => inputs
        .Select(x => RandomDraw.Normal(x.shape.Select((n, i) => i == 0 ? k : n).ToArray(), x.dtype, x.device, generator)).ToArray();

    private static Dual[] Plain(IEnumerable<Tensor> xs) => xs.Select(x => new Dual(x)).ToArray();

    /// <summary>max|a − b| / max(max|b|, tiny), in float64.</summary>
    private static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var e = expected.to(ScalarType.Float64);
        return (actual.to(ScalarType.Float64) - e).abs().max().ToDouble() / Math.Max(e.abs().max().ToDouble(), 1e-300);
    }

    /// <summary>max|a − b|: 0 exactly when bit-identical; +∞ when shapes or dtypes differ.</summary>
    private static double Difference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype) return double.PositiveInfinity;
        if (a.numel() == 0) return 0;
        return a.eq(b).all().item<bool>() ? 0 : Math.Max((a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().ToDouble(), double.Epsilon);
    }
}

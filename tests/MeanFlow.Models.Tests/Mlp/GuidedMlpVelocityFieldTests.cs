using System;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Jvp;
using MeanFlow.Models.Layers;
using MeanFlow.Models.Mlp;
using MeanFlow.Models.Testing;
using MeanFlow.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Mlp;

public class GuidedMlpVelocityFieldTests
{
    private const int Classes = 3;   // labels 0..2, null class 3

    private static GuidedMlpVelocityField Perturbed(int classes = Classes, TimeConditioning conditioning = TimeConditioning.TimeAndInterval)
    {
        manual_seed(4);
        var field = new GuidedMlpVelocityField(3, width: 16, depth: 2, headDepth: 1, conditioning: conditioning, classes: classes, timeScale: 5.0);
        field.to(float64);
        using (no_grad())
            foreach (var p in field.parameters()) p.add_(randn_like(p) * 0.2);   // leave the zero-initialised outputs
        return field;
    }

    private static double RelativeError(Tensor a, Tensor b) =>
        (a - b).abs().max().item<double>() / Math.Max(b.abs().max().item<double>(), 1e-300);

    private static (Tensor Z, Tensor R, Tensor T, Tensor Labels, GuidanceConditions Guidance) Inputs(long rows, ulong seed)
    {
        var g = new Generator(seed);
        var z = randn(new[] { rows, 3L }, dtype: float64, generator: g);
        var t = rand(rows, dtype: float64, generator: g);
        var r = t * rand(rows, dtype: float64, generator: g);
        var labels = randint(0, Classes + 1, new[] { rows }, generator: g);
        var guidance = new GuidanceConditions(1 + 7 * rand(rows, dtype: float64, generator: g),
            0.5 * rand(rows, dtype: float64, generator: g), 0.5 + 0.5 * rand(rows, dtype: float64, generator: g));
        return (z, r, t, labels, guidance);
    }

    private static GuidanceConditions Lead(GuidanceConditions g, long k) =>
        new(g.Scale.narrow(0, 0, k), g.IntervalStart.narrow(0, 0, k), g.IntervalEnd.narrow(0, 0, k));

    [Theory]
    [InlineData(TimeConditioning.TimeAndInterval)]
    [InlineData(TimeConditioning.TimeStartAndInterval)]
    [InlineData(TimeConditioning.IntervalOnly)]
    public void TheUHeadsTangentEqualsDoubleBackwardAndGradientsAreUnchanged(TimeConditioning conditioning)
    {
        using var scope = NewDisposeScope();
        var field = Perturbed(conditioning: conditioning);
        var (z, r, t, labels, guidance) = Inputs(6, 5);
        var report = TangentCheck.TangentIsExactForAllRowCounts(
            xs => field.Forward(xs[0], xs[1], xs[2], labels.narrow(0, 0, xs[0].Rows), Lead(guidance, xs[0].Rows)).Average,
            new[] { z, r, t }, partialRows: 2,
            reference: xs => field.Velocities(xs[0], xs[1], xs[2], labels.narrow(0, 0, xs[0].shape[0]), Lead(guidance, xs[0].shape[0])).Average);
        Assert.True(report.Passed && report.MaxTangentError <= TangentCheck.DefaultTolerance, report.ToString());
        // The u-head's loss reaches every parameter but the v-head's, with and without tangents, bit for bit.
        var uParameters = field.named_parameters().Where(p => !p.name.StartsWith("v_", StringComparison.Ordinal)).Select(p => (Tensor)p.parameter);
        TangentCheck.GradientsAreUnchanged(xs => field.Forward(xs[0], xs[1], xs[2], labels, guidance).Average, uParameters, new[] { z, r, t });
    }

    [Fact]
    public void VelocitiesWithTangentAgreesWithTheDoubleBackwardEngineOnBothHeads()
    {
        using var scope = NewDisposeScope();
        var field = Perturbed();
        var (z, r, t, labels, guidance) = Inputs(8, 6);
        var tangent = InputTangent.AlongTrajectory(randn(new long[] { 5, 3 }, dtype: float64, generator: new Generator(1)));
        var forward = new ForwardModeJvp().Compute(field, z, r, t, labels, guidance, tangent);
        var exact = new DoubleBackwardJvp().Compute(field, z, r, t, labels, guidance, tangent);
        Assert.Equal(0.0, (forward.Value.Average - exact.Value.Average).abs().max().item<double>());
        Assert.Equal(0.0, (forward.Value.Instantaneous - exact.Value.Instantaneous).abs().max().item<double>());
        Assert.True(RelativeError(forward.AverageTangent, exact.AverageTangent) <= 1e-10,
            $"forward vs double backward {RelativeError(forward.AverageTangent, exact.AverageTangent):E2}");
        Assert.True(exact.AverageTangent.abs().max().item<double>() > 1e-3);
    }

    /// <summary>Flow-matching rows (one dropped), rows with r ≠ t inside and outside their interval, dropped ones; the
    /// two kinds interleaved so the objective must reorder.</summary>
    private static GuidedObjectiveBatch Batch()
    {
        var g = new Generator(21);
        var x = randn(new long[] { 8, 3 }, dtype: float64, generator: g);
        var e = randn(new long[] { 8, 3 }, dtype: float64, generator: g);
        var t = tensor(new[] { 0.7, 0.8, 0.3, 0.6, 0.45, 0.9, 0.55, 0.2 }, dtype: float64);
        var r = tensor(new[] { 0.7, 0.2, 0.3, 0.35, 0.1, 0.9, 0.05, 0.1 }, dtype: float64);
        var y = tensor(new long[] { 1, 2, 0, 1, 0, 2, 1, 0 });
        var drop = tensor(new[] { false, false, true, false, true, false, false, false });
        var omega = tensor(new[] { 2.5, 4.0, 1.75, 6.0, 3.0, 1.0, 7.5, 2.0 }, dtype: float64);
        var start = tensor(new[] { 0.0, 0.1, 0.0, 0.2, 0.4, 0.0, 0.3, 0.25 }, dtype: float64);
        var end = tensor(new[] { 1.0, 0.9, 1.0, 0.55, 0.7, 1.0, 0.5, 0.6 }, dtype: float64);
        return new GuidedObjectiveBatch(x, e, r, t, y, drop, omega, start, end);
    }

    /// <summary>One iMF loss, written as plain tensor operations after imf_loss in
    /// Checkpoints/Fixtures/make_imf_fixtures.py (itself after the official imf.py), with the JVP by double backward.</summary>
    private static Tensor IndependentLoss(GuidedMlpVelocityField field, GuidedObjectiveBatch batch)
    {
        var b = batch.Batch;
        Tensor x = b.X, e = b.Noise, t = b.T, r = b.R, y = b.Labels!, drop = b.DropMask!;
        Tensor omega = batch.Guidance.Scale, tMin = batch.Guidance.IntervalStart, tMax = batch.Guidance.IntervalEnd;
        Tensor Col(Tensor s) => s.unsqueeze(1);
        var fm = r.eq(t);
        var z = (1 - Col(t)) * x + Col(t) * e;
        var vt = e - x;
        Tensor VHead(Tensor w, Tensor labels) =>
            field.Velocities(z, t, t, labels, new GuidanceConditions(w, zeros_like(t), ones_like(t))).Instantaneous;
        Tensor vg, vc, yDropped;
        using (no_grad())
        {
            var vcFm = VHead(omega, y);
            var vu = VHead(ones_like(omega), full_like(y, Classes));
            var omegaMasked = where(t.ge(tMin).logical_and(t.le(tMax)), omega, ones_like(omega));
            vc = VHead(omegaMasked, y);
            vg = where(Col(fm), vt + Col(1 - 1 / omega) * (vcFm - vu), vt + Col(1 - 1 / omegaMasked) * (vc - vu));
            yDropped = where(drop, full_like(y, Classes), y);
            vg = where(Col(drop), vt, vg);
        }
        var guidance = new GuidanceConditions(omega, tMin, tMax);
        var duDt = TangentCheck.DoubleBackwardJvp(xs => field.Velocities(xs[0], xs[1], xs[2], yDropped, guidance).Average,
            new[] { z, r, t }, new[] { vc, zeros_like(r), ones_like(t) });
        var heads = field.Velocities(z, r, t, yDropped, guidance);
        var compound = heads.Average + Col(t - r) * duDt;
        var sqU = (compound - vg).square().sum(1);
        var sqV = (heads.Instantaneous - vg).square().sum(1);
        return (sqU / (sqU + 0.01).detach() + sqV / (sqV + 0.01).detach()).mean();
    }

    private static Tensor[] Gradients(GuidedMlpVelocityField field, Func<Tensor> loss)
    {
        field.zero_grad();
        loss().backward();
        return field.parameters().Select(p => p.grad!.clone()).ToArray();
    }

    [Fact]
    public void TheObjectiveEqualsAnIndependentComputationOfTheLossAndItsGradients()
    {
        using var scope = NewDisposeScope();
        var field = Perturbed();
        var batch = Batch();
        var objective = new ImprovedMeanFlowObjective(guidance: new GuidanceConditionSampler(nullClass: Classes));
        var expected = IndependentLoss(field, batch).item<double>();
        var actual = objective.Compute(field, batch);
        Assert.Equal(5, actual.DistinctRows);
        Assert.True(Math.Abs(actual.Loss.item<double>() - expected) <= 1e-12 * expected, $"loss {actual.Loss.item<double>():R} vs {expected:R}");
        var independent = Gradients(field, () => IndependentLoss(field, batch));
        var objectives = Gradients(field, () => objective.Compute(field, batch).Loss);
        for (var i = 0; i < independent.Length; i++)
            Assert.True(RelativeError(objectives[i], independent[i]) <= 1e-10, $"parameter {i}: {RelativeError(objectives[i], independent[i]):E2}");
    }

    [Fact]
    public void LossGradientsAgreeBetweenForwardModeAndDoubleBackwardAndReachEveryParameter()
    {
        using var scope = NewDisposeScope();
        var field = Perturbed();
        var objective = new ImprovedMeanFlowObjective(guidance: new GuidanceConditionSampler(nullClass: Classes));
        var x = randn(new long[] { 32, 3 }, dtype: float64, generator: new Generator(3));
        var labels = randint(0, Classes, new long[] { 32 }, generator: new Generator(4));
        var batch = objective.DrawGuided(x, labels, new Generator(5));
        Tensor[] With(IGuidedJvpEngine engine) =>
            Gradients(field, () => new ImprovedMeanFlowObjective(jvp: engine, guidance: objective.Guidance).Compute(field, batch).Loss);
        var forward = With(new ForwardModeJvp());
        var doubleBackward = With(new DoubleBackwardJvp());
        var names = field.named_parameters().Select(p => p.name).ToArray();
        Assert.Contains("v_output.weight", names);
        Assert.Contains("label_embedding.weight", names);
        for (var i = 0; i < forward.Length; i++)
        {
            Assert.True(forward[i].abs().max().item<double>() > 0, $"{names[i]} got no gradient");
            Assert.True(RelativeError(forward[i], doubleBackward[i]) <= 1e-8, $"{names[i]}: {RelativeError(forward[i], doubleBackward[i]):E2}");
        }
    }

    [Fact]
    public void GuidanceInputsReachBothHeadsAndTheSingleHeadViewIsUnguided()
    {
        using var scope = NewDisposeScope();
        var field = Perturbed();
        var (z, r, t, labels, guidance) = Inputs(5, 8);
        var guided = field.Velocities(z, r, t, labels, guidance);
        var none = field.Velocities(z, r, t, labels, GuidanceConditions.None(5, float64, CPU));
        Assert.True((guided.Average - none.Average).abs().max().item<double>() > 1e-3);
        Assert.True((guided.Instantaneous - none.Instantaneous).abs().max().item<double>() > 1e-3);
        Assert.Equal(0.0, (field.AverageVelocity(z, r, t, labels) - none.Average).abs().max().item<double>());
    }

    [Fact]
    public void OutputsAreZeroAtInitialisationAndBadInputIsRejected()
    {
        using var scope = NewDisposeScope();
        var field = new GuidedMlpVelocityField(2);
        var g = GuidanceConditions.Constant(5, 3.0, 0.1, 0.9, float32, CPU);
        var heads = field.Velocities(randn(5, 2), zeros(5), ones(5), null, g);
        Assert.Equal(new long[] { 5, 2 }, heads.Average.shape);
        Assert.Equal(0f, heads.Average.abs().max().item<float>());
        Assert.Equal(0f, heads.Instantaneous.abs().max().item<float>());
        Assert.Equal("guidance", Assert.Throws<ArgumentException>(() =>
            field.Velocities(randn(4, 2), zeros(4), ones(4), null, g)).ParamName);
        Assert.Equal("guidance", Assert.Throws<ArgumentException>(() =>
            field.Velocities(randn(5, 2), zeros(5), ones(5), null, GuidanceConditions.None(5, float64, CPU))).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() =>
            field.Velocities(randn(5, 2), zeros(5), ones(5), zeros(5, dtype: int64), g)).ParamName);
        Assert.Equal("z", Assert.Throws<ArgumentException>(() => field.Velocities(randn(5, 3), zeros(5), ones(5), null, g)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuidedMlpVelocityField(2, headDepth: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuidedMlpVelocityField(2, depth: 0));
    }
}

using System;
using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Jvp;
using MeanFlow.Objectives;
using MeanFlow.TimeSampling;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Benchmarks;

/// <summary>
/// One training step of one case: forward (the objective, with its JVP) and backward into the parameters' gradients.
/// No optimizer step (it costs the same in every case). The batch is drawn once with fixed seeds: every case sees the
/// same data, noise and t; the MeanFlow cases differ only in r on exactly 8 or 32 rows: the sampler's leading
/// K = round(fraction·B) rows, already first, as every drawn batch is. The improved-MeanFlow cases draw their batch
/// (same data; noise, times, guidance, labels and drops from the same seed) with the objective's own defaults.
/// </summary>
internal sealed class TrainingWorkload : IDisposable
{
    internal const ulong BatchSeed = 7;

    private readonly nn.Module _model;
    private readonly IVelocityField _field;
    private readonly IObjective _objective;
    private readonly ObjectiveBatch _batch;
    private readonly ImprovedMeanFlowObjective? _improved;
    private readonly IGuidedVelocityField? _guidedField;
    private readonly GuidedObjectiveBatch? _guidedBatch;
    private readonly bool _ownsModel;

    internal TrainingWorkload(Backbone backbone, TrainingCase @case, nn.Module? sharedModel = null)
    {
        Backbone = backbone;
        Case = @case;
        _ownsModel = sharedModel is null;
        _model = sharedModel ?? Backbones.Create(backbone);
        _model.train();
        _field = (IVelocityField)_model;
        _objective = CreateObjective(@case);
        _batch = DrawBatch(DistinctFraction(@case));
        if (_objective is ImprovedMeanFlowObjective improved)
        {
            _improved = improved;
            _guidedField = _model is IGuidedVelocityField { HasInstantaneousHead: true } twoHeads ? twoHeads : new SingleHeadGuidedField(_field);
            _guidedBatch = DrawGuidedBatch(improved, backbone);
        }
    }

    internal Backbone Backbone { get; }

    internal TrainingCase Case { get; }

    internal nn.Module Model => _model;

    internal long DistinctRows { get; private set; }

    /// <summary>Runs one step; every tensor it creates is freed before it returns (the gradients stay in the parameters).</summary>
    internal void Step()
    {
        using var scope = NewDisposeScope();
        _model.zero_grad();
        if (_improved is not null)
        {
            var improved = _improved.Compute(_guidedField!, _guidedBatch!);
            improved.Loss.backward();
            DistinctRows = improved.DistinctRows;
            return;
        }
        var output = _objective.Compute(_field, _batch);
        output.Loss.backward();
        DistinctRows = output.DistinctRows;
    }

    internal static double DistinctFraction(TrainingCase @case) => @case switch
    {
        TrainingCase.FlowMatching => 0.0,
        TrainingCase.ImprovedMeanFlow or TrainingCase.ImprovedMeanFlowDoubleBackward => 0.5,
        TrainingCase.ForwardMode25 or TrainingCase.DoubleBackward25 or TrainingCase.DoubleBackwardDeterministic25
            or TrainingCase.FiniteDifference25 => 0.25,
        _ => 1.0,
    };

    private static IObjective CreateObjective(TrainingCase @case)
    {
        if (@case is TrainingCase.ImprovedMeanFlow or TrainingCase.ImprovedMeanFlowDoubleBackward)
            return new ImprovedMeanFlowObjective(jvp: @case == TrainingCase.ImprovedMeanFlow ? null : new DoubleBackwardJvp(),
                guidance: new GuidanceConditionSampler(Backbones.ImfClasses));
        IJvpEngine? engine = @case switch
        {
            TrainingCase.ForwardMode25 or TrainingCase.ForwardMode100 => new ForwardModeJvp(),
            TrainingCase.DoubleBackward25 or TrainingCase.DoubleBackward100 => new DoubleBackwardJvp(),
            TrainingCase.DoubleBackwardDeterministic25 => new DoubleBackwardJvp(deterministicField: true),
            TrainingCase.FiniteDifference25 or TrainingCase.FiniteDifference100 => new FiniteDifferenceJvp(),
            _ => null,
        };
        if (engine is null) return new FlowMatchingObjective();
        return new MeanFlowObjective(timeSampler: new MeanFlowTimeSampler(distinctFraction: DistinctFraction(@case)), jvp: engine);
    }

    /// <summary>
    /// The same x, noise and (r, t) pairs for every case: one seed, and the sampler draws its two times before it picks
    /// the rows with r ≠ t, so t is identical across fractions and the 8 rows of the 25 % cases are among the 32 of the
    /// 100 % cases with the same r. Fraction 0 gives r = t everywhere (flow matching).
    /// </summary>
    private static ObjectiveBatch DrawBatch(double distinctFraction)
    {
        var generator = new Generator(BatchSeed);
        var x = randn(Backbones.BatchShape, generator: generator).clamp_(-1, 1);
        var noise = randn(Backbones.BatchShape, generator: generator);
        var times = new MeanFlowTimeSampler(distinctFraction: distinctFraction)
            .Sample(Backbones.BatchSize, ScalarType.Float32, CPU, generator);
        return new ObjectiveBatch(x, noise, r: times.R, t: times.T);
    }

    /// <summary>The batch's data with the objective's own draws (noise, times with half the rows r ≠ t, guidance, drops) from
    /// a fixed seed; labels (and so the guidance passes) only for the class-conditional <see cref="Backbone.ImfDiT"/>.</summary>
    private GuidedObjectiveBatch DrawGuidedBatch(ImprovedMeanFlowObjective objective, Backbone backbone)
    {
        var generator = new Generator(BatchSeed);
        var labels = backbone == Backbone.ImfDiT
            ? randint(0, Backbones.ImfClasses, new long[] { Backbones.BatchSize }, generator: generator)
            : null;
        return objective.DrawGuided(_batch.X, labels, generator);
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
        _batch.X.Dispose();
        _batch.Noise.Dispose();
        _batch.R.Dispose();
        _batch.T.Dispose();
    }
}

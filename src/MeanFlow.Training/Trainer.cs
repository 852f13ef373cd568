using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;
using MeanFlow.Fields;
using MeanFlow.Objectives;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// The training loop: drives an <see cref="IObjective"/> on a field that is an <see cref="nn.Module"/>, with Adam
/// or AdamW, a learning-rate schedule, optional gradient clipping, exponential moving averages, metric reports,
/// sampling hooks and checkpoints that resume bit for bit.
/// </summary>
/// <typeparam name="TField">The field's type: a module and a velocity field.</typeparam>
/// <remarks>
/// <para>Every random draw of the objective comes from <see cref="Generator"/> (a CPU generator seeded with
/// <see cref="TrainerOptions.Seed"/>, saved in checkpoints). The data order is the caller's: the batch feed
/// receives the 0-based index of the step it feeds, <see cref="Step"/>, which a resumed trainer restores.</para>
/// <para>A non-finite loss or gradient norm throws <see cref="TrainingDivergedException"/> before the update.</para>
/// </remarks>
public sealed partial class Trainer<TField> : IDisposable where TField : nn.Module, IVelocityField
{
    private readonly Parameter[] _parameters;
    private readonly optim.Optimizer _optimizer;
    private readonly ExponentialMovingAverage[] _averages;
    private readonly Stopwatch _clock = new();
    private TimeSpan _elapsedBefore;
    private bool _disposed;

    /// <summary>Creates the trainer: moves the field to the options' device (if given), builds the optimizer over
    /// its trainable parameters, starts one average per decay at the current parameters, seeds the generator.</summary>
    /// <param name="field">The field to train; the trainer does not own it.</param>
    /// <param name="objective">The objective, e.g. <see cref="MeanFlowObjective"/> or <see cref="FlowMatchingObjective"/>.</param>
    /// <param name="options">Optimizer, schedule, averages, seed and intervals.</param>
    /// <exception cref="ArgumentNullException">An argument is <c>null</c>.</exception>
    /// <exception cref="ArgumentException">The field has no trainable parameter.</exception>
    public Trainer(TField field, IObjective objective, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Device is { } device) field.to(device);
        _parameters = field.parameters().Where(p => p.requires_grad).ToArray();
        if (_parameters.Length == 0)
            throw new ArgumentException($"The field ({field.GetType().Name}) has no trainable parameter.", nameof(field));
        Field = field;
        Objective = objective;
        Options = options;
        Device = options.Device ?? _parameters[0].device;
        Generator = new Generator(unchecked((ulong)options.Seed), CPU);
        _optimizer = options.Optimizer == OptimizerKind.Adam
            ? optim.Adam(_parameters, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay)
            : optim.AdamW(_parameters, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
        _averages = options.EmaDecays.Select(d => new ExponentialMovingAverage(field, d, options.EmaWarmup)).ToArray();
    }

    /// <summary>The field being trained.</summary>
    public TField Field { get; }

    /// <summary>The objective.</summary>
    public IObjective Objective { get; }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The device batches are moved to.</summary>
    public Device Device { get; }

    /// <summary>The generator of every random draw of the objective (CPU, so draws do not depend on the device).</summary>
    public Generator Generator { get; }

    /// <summary>The optimizer (Adam or AdamW) over the field's trainable parameters.</summary>
    public optim.Optimizer Optimizer => _optimizer;

    /// <summary>The exponential moving averages, one per <see cref="TrainerOptions.EmaDecays"/> entry, in order.</summary>
    public IReadOnlyList<ExponentialMovingAverage> Averages => _averages;

    /// <summary>Optimizer steps completed; also the 0-based index of the next step (what the batch feed receives).</summary>
    public long Step { get; private set; }

    /// <summary>Whether <see cref="Step"/> has reached <see cref="TrainerOptions.TotalSteps"/>.</summary>
    public bool IsComplete => Step >= Options.TotalSteps;

    /// <summary>Training time: time spent in <see cref="Run(Func{long, TrainingBatch?}, System.Threading.CancellationToken)"/>
    /// plus that recorded in a loaded checkpoint.</summary>
    public TimeSpan Elapsed => _elapsedBefore + _clock.Elapsed;

    /// <summary>Free-form description of the run stored in checkpoints (e.g. the model's hyperparameters and the data set),
    /// read back by <see cref="TrainingCheckpoint.ReadInfo"/>.</summary>
    public JsonObject Metadata { get; } = new();

    /// <summary>Metric sinks, called synchronously on the training thread every <see cref="TrainerOptions.LogEvery"/> steps and
    /// at the last step. (<see cref="Progress{T}"/> would report asynchronously on the thread pool: implement
    /// <see cref="IProgress{T}"/> directly, as <see cref="CsvTrainingLog"/> does.)</summary>
    public IList<IProgress<TrainingMetrics>> Progress { get; } = new List<IProgress<TrainingMetrics>>();

    /// <summary>Raised every <see cref="TrainerOptions.SampleEvery"/> steps and at the last step, after the update, the
    /// averages and any checkpoint of that step. Use <see cref="UseAverage"/> to sample with averaged weights.</summary>
    public event EventHandler<TrainingEventArgs>? SampleDue;

    /// <summary>Raised after each checkpoint that <see cref="Run(Func{long, TrainingBatch?}, System.Threading.CancellationToken)"/> writes.</summary>
    public event EventHandler<TrainingEventArgs>? CheckpointSaved;

    /// <summary>Takes one optimizer step on a batch: loss, backward, gradient norm (and clipping), update, averages.</summary>
    /// <param name="batch">The batch; moved to <see cref="Device"/>.</param>
    /// <returns>What the step measured.</returns>
    /// <exception cref="TrainingDivergedException">The loss or the gradient norm is not finite; nothing was updated.</exception>
    /// <exception cref="InvalidOperationException">The run is complete.</exception>
    public TrainingStepResult TrainStep(TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsComplete) throw new InvalidOperationException($"The run is complete: {Step} of {Options.TotalSteps} steps are done.");
        using var scope = NewDisposeScope();
        var next = Step + 1;
        var learningRate = Options.LearningRateAt(Step);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = learningRate;
        _optimizer.zero_grad();

        var output = Objective.Compute(Field, batch.Data.to(Device), batch.Labels?.to(Device), Generator);
        var loss = output.Loss.ToDouble();
        if (!double.IsFinite(loss)) throw new TrainingDivergedException(next, loss, double.NaN);
        output.Loss.backward();
        var norm = GradientNorm.Of(_parameters);
        if (!double.IsFinite(norm)) throw new TrainingDivergedException(next, loss, norm);
        if (Options.MaxGradientNorm is { } max) GradientNorm.Clip(_parameters, norm, max);
        _optimizer.step();
        foreach (var average in _averages) average.Update(Field);
        Step = next;
        return new TrainingStepResult
        {
            Step = next,
            Loss = loss,
            MeanSquaredError = output.MeanSquaredError.ToDouble(),
            MeanWeight = output.MeanWeight.ToDouble(),
            LearningRate = learningRate,
            GradientNorm = norm,
            DistinctRows = output.DistinctRows,
        };
    }

    /// <summary>Puts the weights of <see cref="Averages"/>[<paramref name="index"/>] into <see cref="Field"/> in evaluation
    /// mode until the result is disposed, which restores the training weights exactly and the previous mode.</summary>
    /// <param name="index">Index into <see cref="Averages"/>.</param>
    /// <returns>A scope to dispose (use <c>using</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not an index of <see cref="Averages"/>.</exception>
    public IDisposable UseAverage(int index = 0)
    {
        if (index < 0 || index >= _averages.Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must lie in [0, {_averages.Length}) for the {_averages.Length} average(s); got {index}.");
        return new AveragedWeights(Field, _averages[index]);
    }

    /// <summary>Frees the optimizer state, the averages and the generator (not the field).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _optimizer.Dispose();
        foreach (var average in _averages) average.Dispose();
        Generator.Dispose();
    }
}

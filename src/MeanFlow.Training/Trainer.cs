using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using MeanFlow.Fields;
using MeanFlow.Objectives;
using TorchSharp;
using TorchSharp.Modules;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// The training loop: drives an <see cref="IObjective"/> on a field that is an <see cref="nn.Module"/>, with Adam
/// or AdamW, a learning-rate schedule, optional gradient clipping, exponential moving averages, metric reports,
/// sampling hooks and checkpoints that resume bit for bit.
/// </summary>
/// <typeparam name="TField">The field's type: a module and a velocity field.</typeparam>
/// <remarks>
/// <para>Every random draw of the objective comes from <see cref="Generator"/> (a generator on <see cref="Device"/> seeded
/// with <see cref="TrainerOptions.Seed"/>, saved in checkpoints), so noise and times are drawn where they are used. The
/// data order is the caller's: the batch feed receives the 0-based index of the step it feeds, <see cref="Step"/>, which
/// a resumed trainer restores.</para>
/// <para>The steps of <see cref="Run(Func{long, TrainingBatch?}, System.Threading.CancellationToken)"/> read nothing back
/// from the device (a read makes the host wait for the device's queue): losses are summed and a non-finite loss or
/// gradient norm is recorded on the device, and read once at each report, checkpoint and sample point. A divergence then
/// throws <see cref="TrainingDivergedException"/> naming the first bad step, before anything is reported or written, so
/// the last checkpoint on disk is from before it. <see cref="TrainStep"/>, one step at a time, reads its loss and norm
/// and throws before the update.</para>
/// </remarks>
public sealed class Trainer<TField> : IDisposable where TField : nn.Module, IVelocityField
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
        Generator = new Generator(unchecked((ulong)options.Seed), Device);
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

    /// <summary>The generator of every random draw of the objective, on <see cref="Device"/> (draws on another device type
    /// differ: a CPU run and a GPU run from one seed are not bit-identical).</summary>
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
        var step = StepOnDevice(batch, checkBeforeUpdate: true);
        var values = HostRead.Values<double>(step.Summary());
        return new TrainingStepResult
        {
            Step = step.Number,
            Loss = values[0],
            MeanSquaredError = values[1],
            MeanWeight = values[2],
            LearningRate = step.LearningRate,
            GradientNorm = values[3],
            DistinctRows = step.DistinctRows,
        };
    }

    /// <summary>One optimizer step whose results stay on the device. With <paramref name="checkBeforeUpdate"/> the loss and
    /// the gradient norm are read and a non-finite one throws before the update (two host reads); without, nothing is read.</summary>
    private DeviceStep StepOnDevice(TrainingBatch batch, bool checkBeforeUpdate)
    {
        var next = Step + 1;
        var learningRate = Options.LearningRateAt(Step);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = learningRate;
        _optimizer.zero_grad();

        var output = Objective.Compute(Field, batch.Data.to(Device), batch.Labels?.to(Device), Generator);
        var loss = checkBeforeUpdate ? HostRead.Double(output.Loss) : double.NaN;
        if (checkBeforeUpdate && !double.IsFinite(loss)) throw new TrainingDivergedException(next, loss, double.NaN);
        output.Loss.backward();
        var norm = GradientNorm.Of(_parameters);
        if (checkBeforeUpdate && HostRead.Double(norm) is var n && !double.IsFinite(n)) throw new TrainingDivergedException(next, loss, n);
        if (Options.MaxGradientNorm is { } max) GradientNorm.Clip(_parameters, norm, max);
        _optimizer.step();
        foreach (var average in _averages) average.Update(Field);
        Step = next;
        return new DeviceStep(next, learningRate, output.DistinctRows, output.Loss.detach(), output.MeanSquaredError, output.MeanWeight, norm);
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

    /// <summary>Trains from <see cref="Step"/> to <see cref="TrainerOptions.TotalSteps"/>, taking the batch of step s from
    /// <paramref name="batchAt"/>(s) (s is 0-based, so a resumed run continues the caller's data order). Reports
    /// metrics, writes checkpoints and raises <see cref="SampleDue"/> at the configured intervals.</summary>
    /// <param name="batchAt">The batch of a step; called inside the step's dispose scope. Returning <c>null</c> ends the run early
    /// (without the last-step report, checkpoint or sample).</param>
    /// <param name="cancellationToken">Checked before each step. On cancellation a checkpoint of the last completed step
    /// is written (when <see cref="TrainerOptions.CheckpointPath"/> is set) and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <exception cref="TrainingDivergedException">A step had a non-finite loss or gradient norm; the last checkpoint is intact.</exception>
    public void Run(Func<long, TrainingBatch?> batchAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batchAt);
        RunCore(batchAt, cancellationToken);
    }

    /// <summary>Trains on <paramref name="batches"/> in order until <see cref="TrainerOptions.TotalSteps"/> or until they end.
    /// The sequence is read from its start: to resume, pass the batches from index <see cref="Step"/> on.</summary>
    /// <param name="batches">The batches; enumerated inside each step's dispose scope.</param>
    /// <param name="cancellationToken">As in <see cref="Run(Func{long, TrainingBatch?}, CancellationToken)"/>.</param>
    /// <exception cref="TrainingDivergedException">A step had a non-finite loss or gradient norm; the last checkpoint is intact.</exception>
    public void Run(IEnumerable<TrainingBatch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        using var enumerator = batches.GetEnumerator();
        RunCore(_ => enumerator.MoveNext() ? enumerator.Current : null, cancellationToken);
    }

    /// <summary>Writes a checkpoint of the current state (see <see cref="TrainingCheckpoint"/>): atomically, so an
    /// existing file at <paramref name="path"/> is replaced only by a complete one.</summary>
    /// <param name="path">Checkpoint file; its folder is created if needed.</param>
    public void SaveCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        TrainingCheckpoint.Write(path, Head(), Step, Elapsed, Generator, Field, _averages, _optimizer);
    }

    /// <summary>Restores the field's weights, the averages, the optimizer state, the generator, <see cref="Step"/> and
    /// <see cref="Elapsed"/> from a checkpoint, so that training continues exactly as if never interrupted. The optimizer's
    /// hyperparameters are then set from this trainer's options (which win over the checkpoint's).</summary>
    /// <param name="path">A checkpoint written by <see cref="SaveCheckpoint"/>.</param>
    /// <exception cref="System.IO.InvalidDataException">The file is incomplete, of another format, or does not match this
    /// trainer (architecture, number of averages, optimizer). If it fails after the head matched, the trainer may be partly loaded.</exception>
    public void LoadCheckpoint(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (step, elapsed) = TrainingCheckpoint.Read(path, Generator, Field, _averages, _optimizer, Options.Optimizer, Options.TotalSteps);
        ApplyHyperparameters();
        Step = step;
        _elapsedBefore = elapsed;
        _clock.Reset();
    }

    private void RunCore(Func<long, TrainingBatch?> batchAt, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Field.train();
        _clock.Start();
        using var watch = new DivergenceWatch(Device);
        try
        {
            var reportedAt = _clock.Elapsed;
            var stepsSinceReport = 0;
            var checkpointedAt = -1L;
            while (!IsComplete)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    if (Options.CheckpointPath is not null && checkpointedAt != Step && Step > 0)
                    {
                        watch.ThrowIfDiverged(Step);
                        Checkpoint();
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                }
                using var scope = NewDisposeScope();
                var batch = batchAt(Step);
                if (batch is null)
                {
                    watch.ThrowIfDiverged(Step);
                    return;
                }
                var step = StepOnDevice(batch, checkBeforeUpdate: false);
                watch.Add(step);
                stepsSinceReport++;
                var last = IsComplete;
                var report = Step % Options.LogEvery == 0 || last;
                var checkpoint = Options.CheckpointEvery > 0 && (Step % Options.CheckpointEvery == 0 || last);
                var sample = Options.SampleEvery > 0 && (Step % Options.SampleEvery == 0 || last);
                if (!report && !checkpoint && !sample) continue;

                var (lossSum, values) = watch.Read(step);           // the one host read of this step, before anything leaves the loop
                if (report)
                {
                    var now = _clock.Elapsed;
                    Report(step, values, lossSum / stepsSinceReport, stepsSinceReport / Math.Max((now - reportedAt).TotalSeconds, 1e-9));
                    reportedAt = now;
                    watch.ResetLossSum();
                    stepsSinceReport = 0;
                }
                if (checkpoint)
                {
                    Checkpoint();
                    checkpointedAt = Step;
                }
                if (sample)
                    SampleDue?.Invoke(this, new TrainingEventArgs(Step));
            }
        }
        finally
        {
            _clock.Stop();
        }
    }

    private void Checkpoint()
    {
        var path = Options.CheckpointPath!.Replace("{step}", Step.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        SaveCheckpoint(path);
        CheckpointSaved?.Invoke(this, new TrainingEventArgs(Step, path));
    }

    private void Report(DeviceStep step, double[] values, double averageLoss, double stepsPerSecond)
    {
        if (Progress.Count == 0) return;
        var metrics = new TrainingMetrics
        {
            Step = step.Number,
            TotalSteps = Options.TotalSteps,
            Loss = values[0],
            AverageLoss = averageLoss,
            MeanSquaredError = values[1],
            MeanWeight = values[2],
            LearningRate = step.LearningRate,
            GradientNorm = values[3],
            StepsPerSecond = stepsPerSecond,
            Elapsed = Elapsed,
        };
        foreach (var sink in Progress) sink.Report(metrics);
    }

    private JsonObject Head() => new()
    {
        ["format"] = "MeanFlow.NET training checkpoint",
        ["version"] = 1,
        ["step"] = Step,
        ["elapsedSeconds"] = Elapsed.TotalSeconds,
        ["field"] = Field.GetType().FullName,
        ["objective"] = Objective.GetType().FullName,
        ["options"] = Options.ToJson(),
        ["averages"] = new JsonArray(_averages.Select(a => (JsonNode?)new JsonObject
        {
            ["decay"] = a.Decay,
            ["warmup"] = a.Warmup,
            ["updates"] = a.Updates,
        }).ToArray()),
        ["metadata"] = Metadata.DeepClone(),
    };

    /// <summary>Loading optimizer state also loads the saved hyperparameters; the current options win.</summary>
    private void ApplyHyperparameters()
    {
        foreach (var group in _optimizer.ParamGroups.OfType<ParamGroup>())
        {
            switch (group.Options)
            {
                case Adam.Options adam:
                    (adam.beta1, adam.beta2, adam.eps, adam.weight_decay) = (Options.Beta1, Options.Beta2, Options.Epsilon, Options.WeightDecay);
                    break;
                case AdamW.Options adamW:
                    (adamW.beta1, adamW.beta2, adamW.eps, adamW.weight_decay) = (Options.Beta1, Options.Beta2, Options.Epsilon, Options.WeightDecay);
                    break;
            }
        }
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

/// <summary>Creates trainers with the field's type inferred.</summary>
public static class Trainer
{
    /// <summary>Creates a <see cref="Trainer{TField}"/>; see its constructor.</summary>
    /// <typeparam name="TField">The field's type.</typeparam>
    /// <param name="field">The field to train.</param>
    /// <param name="objective">The objective.</param>
    /// <param name="options">The options.</param>
    /// <returns>The trainer.</returns>
    public static Trainer<TField> Create<TField>(TField field, IObjective objective, TrainerOptions options)
        where TField : nn.Module, IVelocityField => new(field, objective, options);
}

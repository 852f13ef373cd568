using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Training;

public sealed partial class Trainer<TField>
{
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
        try
        {
            var reportedAt = _clock.Elapsed;
            var lossSum = 0.0;
            var stepsSinceReport = 0;
            var checkpointedAt = -1L;
            while (!IsComplete)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    if (Options.CheckpointPath is not null && checkpointedAt != Step && Step > 0) Checkpoint();
                    cancellationToken.ThrowIfCancellationRequested();
                }
                TrainingStepResult result;
                using (var scope = NewDisposeScope())
                {
                    var batch = batchAt(Step);
                    if (batch is null) return;
                    result = TrainStep(batch);
                }
                lossSum += result.Loss;
                stepsSinceReport++;
                var last = IsComplete;
                if (Step % Options.LogEvery == 0 || last)
                {
                    var now = _clock.Elapsed;
                    Report(result, lossSum / stepsSinceReport, stepsSinceReport / Math.Max((now - reportedAt).TotalSeconds, 1e-9));
                    reportedAt = now;
                    lossSum = 0;
                    stepsSinceReport = 0;
                }
                if (Options.CheckpointEvery > 0 && (Step % Options.CheckpointEvery == 0 || last))
                {
                    Checkpoint();
                    checkpointedAt = Step;
                }
                if (Options.SampleEvery > 0 && (Step % Options.SampleEvery == 0 || last))
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

    private void Report(TrainingStepResult result, double averageLoss, double stepsPerSecond)
    {
        if (Progress.Count == 0) return;
        var metrics = new TrainingMetrics
        {
            Step = result.Step,
            TotalSteps = Options.TotalSteps,
            Loss = result.Loss,
            AverageLoss = averageLoss,
            MeanSquaredError = result.MeanSquaredError,
            MeanWeight = result.MeanWeight,
            LearningRate = result.LearningRate,
            GradientNorm = result.GradientNorm,
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
}

using System;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// Writes each metric report as TensorBoard scalars (tags <c>train/loss</c>, <c>train/average_loss</c>,
/// <c>train/mse</c>, <c>train/mean_weight</c>, <c>train/learning_rate</c>, <c>train/grad_norm</c>,
/// <c>train/steps_per_second</c>) through TorchSharp's <c>torch.utils.tensorboard.SummaryWriter</c>, which appends
/// each event to an <c>events.out.tfevents.*</c> file in the log folder.
/// </summary>
/// <remarks>TensorBoard stores scalars as float32 and steps as int32 here: runs longer than 2³¹ − 1 steps are refused.</remarks>
public sealed class TensorBoardTrainingLog : IProgress<TrainingMetrics>
{
    private readonly TorchSharp.Modules.SummaryWriter _writer;

    /// <summary>Creates the event file.</summary>
    /// <param name="logDirectory">Folder of the run (created if needed), e.g. <c>runs/mnist</c>.</param>
    public TensorBoardTrainingLog(string logDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logDirectory);
        _writer = utils.tensorboard.SummaryWriter(logDirectory);
    }

    /// <summary>The log folder.</summary>
    public string LogDirectory => _writer.LogDir;

    /// <summary>Writes the scalars of one report.</summary>
    /// <param name="value">The report.</param>
    /// <exception cref="ArgumentOutOfRangeException">The step does not fit TensorBoard's int32 step.</exception>
    public void Report(TrainingMetrics value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Step > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(value), value.Step, $"TensorBoard steps are int32; step {value.Step} does not fit.");
        var step = (int)value.Step;
        var wallTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _writer.add_scalar("train/loss", (float)value.Loss, step, wallTime);
        _writer.add_scalar("train/average_loss", (float)value.AverageLoss, step, wallTime);
        _writer.add_scalar("train/mse", (float)value.MeanSquaredError, step, wallTime);
        _writer.add_scalar("train/mean_weight", (float)value.MeanWeight, step, wallTime);
        _writer.add_scalar("train/learning_rate", (float)value.LearningRate, step, wallTime);
        _writer.add_scalar("train/grad_norm", (float)value.GradientNorm, step, wallTime);
        _writer.add_scalar("train/steps_per_second", (float)value.StepsPerSecond, step, wallTime);
    }
}

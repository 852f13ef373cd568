using System;
using System.Globalization;
using MeanFlow.Training;
using Spectre.Console;

namespace MeanFlow.Samples;

/// <summary>Renders trainer metrics on a Spectre.Console progress task (loss and it/s in the description).</summary>
internal sealed class ConsoleProgress : IProgress<TrainingMetrics>
{
    private readonly ProgressTask _task;
    private readonly string _name;

    internal ConsoleProgress(ProgressTask task, string name)
    {
        _task = task;
        _name = name;
    }

    public void Report(TrainingMetrics value)
    {
        _task.MaxValue = value.TotalSteps;
        _task.Value = value.Step + 1;
        _task.Description = string.Create(CultureInfo.InvariantCulture,
            $"{_name,-14} loss {value.AverageLoss,9:G4}  mse {value.MeanSquaredError,9:G4}  {value.StepsPerSecond,6:F1} it/s");
    }

    /// <summary>Runs <paramref name="work"/> with a live progress display of one task per name.</summary>
    internal static void Run(string[] names, Action<ProgressTask[]> work)
    {
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var tasks = Array.ConvertAll(names, n => context.AddTask(n, autoStart: true, maxValue: 1));
                work(tasks);
            });
    }
}

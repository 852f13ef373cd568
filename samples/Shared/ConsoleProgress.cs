using System;
using System.Globalization;
using MeanFlow.Training;
using Spectre.Console;

namespace MeanFlow.Samples;

/// <summary>
/// Shows trainer metrics: a live Spectre.Console progress bar (loss, mse, it/s) on a terminal, or one plain line
/// per tenth of the run when the output is redirected (logs, CI), where a live display would repeat itself.
/// </summary>
internal sealed class ConsoleProgress : IProgress<TrainingMetrics>
{
    private readonly ProgressTask? _task;
    private readonly string _name;
    private long _nextLine;

    private ConsoleProgress(ProgressTask? task, string name)
    {
        _task = task;
        _name = name;
    }

    public void Report(TrainingMetrics value)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{_name,-14} loss {value.AverageLoss,9:G4}  mse {value.MeanSquaredError,9:G4}  {value.StepsPerSecond,6:F1} it/s");
        if (_task is not null)
        {
            _task.MaxValue = value.TotalSteps;
            _task.Value = value.Step;
            _task.Description = text;
            return;
        }
        if (value.Step < _nextLine && value.Step < value.TotalSteps) return;
        _nextLine = value.Step + Math.Max(1, value.TotalSteps / 10);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{text}  step {value.Step}/{value.TotalSteps}  {value.Elapsed:hh\\:mm\\:ss}"));
    }

    /// <summary>Runs <paramref name="work"/> with one progress reporter per name.</summary>
    internal static void Run(string[] names, Action<ConsoleProgress[]> work)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            work(Array.ConvertAll(names, n => new ConsoleProgress(null, n)));
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context => work(Array.ConvertAll(names, n => new ConsoleProgress(context.AddTask(n, autoStart: true, maxValue: 1), n))));
    }

    /// <summary>Marks the reporter's task finished.</summary>
    internal void Complete() => _task?.StopTask();
}

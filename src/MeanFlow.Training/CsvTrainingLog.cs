using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace MeanFlow.Training;

/// <summary>
/// Writes each metric report as a CSV row (invariant culture, round-trip precision), flushed at once so that a
/// crash loses nothing already reported. Columns: step, total_steps, loss, average_loss, mse, mean_weight,
/// learning_rate, grad_norm, steps_per_second, elapsed_seconds.
/// </summary>
public sealed class CsvTrainingLog : IProgress<TrainingMetrics>, IDisposable
{
    /// <summary>The header row.</summary>
    public const string Header = "step,total_steps,loss,average_loss,mse,mean_weight,learning_rate,grad_norm,steps_per_second,elapsed_seconds";

    private readonly StreamWriter _writer;

    /// <summary>Opens the log.</summary>
    /// <param name="path">CSV file; its folder is created if needed.</param>
    /// <param name="append">Append to an existing file (a resumed run) instead of replacing it; the header is written
    /// only into an empty file. The default is false.</param>
    public CsvTrainingLog(string path, bool append = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _writer = new StreamWriter(Path, append, new UTF8Encoding(false));
        if (_writer.BaseStream.Length == 0) _writer.WriteLine(Header);
        _writer.Flush();
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Appends one row.</summary>
    /// <param name="value">The report.</param>
    public void Report(TrainingMetrics value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _writer.WriteLine(string.Join(",",
            value.Step.ToString(CultureInfo.InvariantCulture), value.TotalSteps.ToString(CultureInfo.InvariantCulture),
            Number(value.Loss), Number(value.AverageLoss), Number(value.MeanSquaredError), Number(value.MeanWeight),
            Number(value.LearningRate), Number(value.GradientNorm), Number(value.StepsPerSecond), Number(value.Elapsed.TotalSeconds)));
        _writer.Flush();
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _writer.Dispose();

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

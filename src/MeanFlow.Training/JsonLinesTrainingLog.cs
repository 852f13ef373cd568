using System;
using System.IO;
using System.Text;
using System.Text.Json.Nodes;

namespace MeanFlow.Training;

/// <summary>
/// Writes each metric report as one JSON object per line (JSON Lines), flushed at once. Members: step, totalSteps,
/// loss, averageLoss, mse, meanWeight, learningRate, gradNorm, stepsPerSecond, elapsedSeconds. Non-finite numbers,
/// which JSON cannot hold, are written as <c>null</c>.
/// </summary>
public sealed class JsonLinesTrainingLog : IProgress<TrainingMetrics>, IDisposable
{
    private readonly StreamWriter _writer;

    /// <summary>Opens the log.</summary>
    /// <param name="path">File; its folder is created if needed.</param>
    /// <param name="append">Append to an existing file (a resumed run) instead of replacing it. The default is false.</param>
    public JsonLinesTrainingLog(string path, bool append = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _writer = new StreamWriter(Path, append, new UTF8Encoding(false));
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Appends one line.</summary>
    /// <param name="value">The report.</param>
    public void Report(TrainingMetrics value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var line = new JsonObject
        {
            ["step"] = value.Step,
            ["totalSteps"] = value.TotalSteps,
            ["loss"] = Number(value.Loss),
            ["averageLoss"] = Number(value.AverageLoss),
            ["mse"] = Number(value.MeanSquaredError),
            ["meanWeight"] = Number(value.MeanWeight),
            ["learningRate"] = Number(value.LearningRate),
            ["gradNorm"] = Number(value.GradientNorm),
            ["stepsPerSecond"] = Number(value.StepsPerSecond),
            ["elapsedSeconds"] = Number(value.Elapsed.TotalSeconds),
        };
        _writer.WriteLine(line.ToJsonString());
        _writer.Flush();
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _writer.Dispose();

    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}

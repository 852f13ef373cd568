using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace MeanFlow.Training;

/// <summary>The description stored at the head of a checkpoint: read without loading any tensor.</summary>
public sealed class CheckpointInfo
{
    internal CheckpointInfo(JsonObject configuration)
    {
        Configuration = configuration;
        Step = configuration["step"]!.GetValue<long>();
        Elapsed = TimeSpan.FromSeconds(configuration["elapsedSeconds"]!.GetValue<double>());
        FieldType = configuration["field"]!.GetValue<string>();
        ObjectiveType = configuration["objective"]!.GetValue<string>();
        Options = TrainerOptions.FromJson(configuration["options"]!.AsObject());
        var decays = new List<double>();
        foreach (var average in configuration["averages"]!.AsArray()) decays.Add(average!["decay"]!.GetValue<double>());
        AverageDecays = decays;
        Metadata = configuration["metadata"]?.AsObject() ?? new JsonObject();
    }

    /// <summary>Steps completed when the checkpoint was written.</summary>
    public long Step { get; }

    /// <summary>Training time up to the checkpoint.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Full name of the field's type.</summary>
    public string FieldType { get; }

    /// <summary>Full name of the objective's type.</summary>
    public string ObjectiveType { get; }

    /// <summary>The trainer options of the run.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Decays of the stored parameter averages, in order (the index to pass to
    /// <see cref="TrainingCheckpoint.LoadWeights"/>).</summary>
    public IReadOnlyList<double> AverageDecays { get; }

    /// <summary>What the caller put in <see cref="Trainer{TField}.Metadata"/> (e.g. the model's hyperparameters).</summary>
    public JsonObject Metadata { get; }

    /// <summary>The whole JSON head: format, version, step, elapsedSeconds, field, objective, options, averages, metadata.</summary>
    public JsonObject Configuration { get; }
}

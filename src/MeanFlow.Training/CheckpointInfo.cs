using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json.Nodes;

namespace MeanFlow.Training;

/// <summary>The description stored at the head of a checkpoint: read without loading any tensor.</summary>
public sealed class CheckpointInfo
{
    /// <exception cref="InvalidDataException">A member is missing, of the wrong JSON type, or out of its range.</exception>
    internal CheckpointInfo(JsonObject configuration)
    {
        Configuration = configuration;
        try
        {
            Step = Member(configuration, "step").GetValue<long>();
            if (Step < 0) throw new InvalidDataException($"step is {Step}.");
            var seconds = Member(configuration, "elapsedSeconds").GetValue<double>();
            if (!(seconds >= 0 && seconds <= TimeSpan.MaxValue.TotalSeconds)) throw new InvalidDataException($"elapsedSeconds is {seconds}.");
            Elapsed = TimeSpan.FromSeconds(seconds);
            FieldType = Member(configuration, "field").GetValue<string>();
            ObjectiveType = Member(configuration, "objective").GetValue<string>();
            Options = TrainerOptions.FromJson(Member(configuration, "options").AsObject());
            var decays = new List<double>();
            foreach (var average in Member(configuration, "averages").AsArray())
                decays.Add(Member(average as JsonObject ?? throw new InvalidDataException("An entry of averages is not an object."), "decay").GetValue<double>());
            AverageDecays = decays;
            Metadata = configuration["metadata"] is { } metadata ? metadata.AsObject() : new JsonObject();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            // GetValue and AsObject throw these for a member of the wrong JSON type; FromJson for options out of range.
            throw new InvalidDataException($"The checkpoint head is malformed: {e.Message}", e);
        }
    }

    private static JsonNode Member(JsonObject json, string name) =>
        json[name] ?? throw new InvalidDataException($"The checkpoint head has no '{name}'.");

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

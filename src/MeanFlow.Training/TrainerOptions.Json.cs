using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace MeanFlow.Training;

public sealed partial class TrainerOptions
{
    /// <summary>The options as a JSON object (camelCase names, enums as strings, the device as e.g. "cpu" or
    /// "cuda:0"), as stored in checkpoints.</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ToJson() => new()
    {
        ["totalSteps"] = TotalSteps,
        ["optimizer"] = Optimizer.ToString(),
        ["learningRate"] = LearningRate,
        ["beta1"] = Beta1,
        ["beta2"] = Beta2,
        ["epsilon"] = Epsilon,
        ["weightDecay"] = WeightDecay,
        ["warmupSteps"] = WarmupSteps,
        ["decay"] = Decay.ToString(),
        ["minLearningRate"] = MinLearningRate,
        ["maxGradientNorm"] = MaxGradientNorm,
        ["emaDecays"] = new JsonArray(EmaDecays.Select(d => (JsonNode?)d).ToArray()),
        ["emaWarmup"] = EmaWarmup,
        ["seed"] = Seed,
        ["device"] = Device?.ToString(),
        ["logEvery"] = LogEvery,
        ["sampleEvery"] = SampleEvery,
        ["checkpointEvery"] = CheckpointEvery,
        ["checkpointPath"] = CheckpointPath,
    };

    /// <summary>Reads options written by <see cref="ToJson"/>; missing members take their defaults
    /// (<c>totalSteps</c> is required) and the result is validated like any other construction.</summary>
    /// <param name="json">A JSON object.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException"><c>totalSteps</c> is missing, or a member has the wrong JSON type or an unknown enum name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static TrainerOptions FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        // Re-read from text: values built in memory (an int where a long is read) then convert like parsed JSON.
        json = JsonNode.Parse(json.ToJsonString())!.AsObject();
        try
        {
            var total = json["totalSteps"]?.GetValue<long>()
                ?? throw new ArgumentException("The options JSON has no totalSteps.", nameof(json));
            var device = json["device"]?.GetValue<string>();
            return new TrainerOptions(total,
                optimizer: Parse(json, "optimizer", OptimizerKind.Adam),
                learningRate: Value(json, "learningRate", 1e-4),
                beta1: Value(json, "beta1", 0.9),
                beta2: Value(json, "beta2", 0.95),
                epsilon: Value(json, "epsilon", 1e-8),
                weightDecay: Value(json, "weightDecay", 0.0),
                warmupSteps: Value(json, "warmupSteps", 0L),
                decay: Parse(json, "decay", LearningRateDecay.Constant),
                minLearningRate: Value(json, "minLearningRate", 0.0),
                maxGradientNorm: json["maxGradientNorm"]?.GetValue<double>(),
                emaDecays: json["emaDecays"]?.AsArray().Select(d => d!.GetValue<double>()).ToArray(),
                emaWarmup: Value(json, "emaWarmup", true),
                seed: Value(json, "seed", 0L),
                device: device is null ? null : new Device(device),
                logEvery: Value(json, "logEvery", 100L),
                sampleEvery: Value(json, "sampleEvery", 0L),
                checkpointEvery: Value(json, "checkpointEvery", 0L),
                checkpointPath: json["checkpointPath"]?.GetValue<string>());
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            throw new ArgumentException($"The options JSON is malformed: {e.Message}", nameof(json), e);
        }
    }

    private static T Value<T>(JsonObject json, string name, T fallback) =>
        json[name] is { } node ? node.GetValue<T>() : fallback;

    private static TEnum Parse<TEnum>(JsonObject json, string name, TEnum fallback) where TEnum : struct, Enum
    {
        if (json[name] is not { } node) return fallback;
        var text = node.GetValue<string>();
        return Enum.TryParse<TEnum>(text, ignoreCase: false, out var value) && Enum.IsDefined(value)
            ? value
            : throw new ArgumentException($"{name} must be one of {string.Join(", ", Enum.GetNames<TEnum>())}; got \"{text}\".", nameof(json));
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// Everything a <see cref="Trainer{TField}"/> needs besides the field, the objective and the data: optimizer,
/// learning-rate schedule, gradient clipping, exponential moving averages, seed and the logging, sampling and
/// checkpoint intervals. Validated on construction; immutable.
/// </summary>
public sealed class TrainerOptions
{
    /// <summary>Creates and validates the options. Defaults are the paper's where it has one.</summary>
    /// <param name="totalSteps">Optimizer steps of the whole run, ≥ 1.</param>
    /// <param name="optimizer">Adam or AdamW. The default is <see cref="OptimizerKind.Adam"/>.</param>
    /// <param name="learningRate">Peak learning rate, finite and &gt; 0. The default is 1e-4.</param>
    /// <param name="beta1">Adam's β1 in [0, 1). The default is 0.9.</param>
    /// <param name="beta2">Adam's β2 in [0, 1). The default is 0.95 (the paper's; PyTorch's default is 0.999).</param>
    /// <param name="epsilon">Adam's ε, finite and &gt; 0. The default is 1e-8.</param>
    /// <param name="weightDecay">Weight decay ≥ 0 (L2 for Adam, decoupled for AdamW). The default is 0.</param>
    /// <param name="warmupSteps">Steps of linear warm-up, in [0, <paramref name="totalSteps"/>]. The default is 0.</param>
    /// <param name="decay">Schedule after the warm-up. The default is <see cref="LearningRateDecay.Constant"/>.</param>
    /// <param name="minLearningRate">Final learning rate of the cosine decay, in [0, <paramref name="learningRate"/>]. The default is 0.</param>
    /// <param name="maxGradientNorm">Clip the global gradient norm to this (finite, &gt; 0), or <c>null</c> for no clipping. The default is <c>null</c>.</param>
    /// <param name="emaDecays">Decays β in [0, 1) of the parameter averages to keep, possibly none; <c>null</c> for { 0.9999 }.</param>
    /// <param name="emaWarmup">Whether each average ramps its decay up as min(β, (1 + n)/(10 + n)). The default is true.</param>
    /// <param name="seed">Seed of the generator behind every random draw of the objective. The default is 0.</param>
    /// <param name="device">Device to train on; <c>null</c> for the device of the field's parameters. The default is <c>null</c>.</param>
    /// <param name="logEvery">Report metrics every this many steps (and at the last step), ≥ 1. The default is 100.</param>
    /// <param name="sampleEvery">Raise <see cref="Trainer{TField}.SampleDue"/> every this many steps (and at the last step), or 0 for never. The default is 0.</param>
    /// <param name="checkpointEvery">Write a checkpoint every this many steps (and at the last step), or 0 for never. The default is 0.</param>
    /// <param name="checkpointPath">Checkpoint file; <c>{step}</c> in it is replaced by the step number (keeping one file per checkpoint).
    /// Required when <paramref name="checkpointEvery"/> &gt; 0. The default is <c>null</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range; the message names it and the value.</exception>
    /// <exception cref="ArgumentException"><paramref name="checkpointEvery"/> &gt; 0 without a <paramref name="checkpointPath"/>.</exception>
    public TrainerOptions(
        long totalSteps,
        OptimizerKind optimizer = OptimizerKind.Adam,
        double learningRate = 1e-4,
        double beta1 = 0.9,
        double beta2 = 0.95,
        double epsilon = 1e-8,
        double weightDecay = 0.0,
        long warmupSteps = 0,
        LearningRateDecay decay = LearningRateDecay.Constant,
        double minLearningRate = 0.0,
        double? maxGradientNorm = null,
        IReadOnlyList<double>? emaDecays = null,
        bool emaWarmup = true,
        long seed = 0,
        Device? device = null,
        long logEvery = 100,
        long sampleEvery = 0,
        long checkpointEvery = 0,
        string? checkpointPath = null)
    {
        Guard.Positive(totalSteps, nameof(totalSteps));
        Defined(optimizer, nameof(optimizer));
        Guard.Positive(learningRate, nameof(learningRate));
        Beta(beta1, nameof(beta1));
        Beta(beta2, nameof(beta2));
        Guard.Positive(epsilon, nameof(epsilon));
        Guard.NonNegative(weightDecay, nameof(weightDecay));
        if (warmupSteps < 0 || warmupSteps > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"warmupSteps must lie in [0, totalSteps = {totalSteps}]; got {warmupSteps}.");
        Defined(decay, nameof(decay));
        if (!(minLearningRate >= 0 && minLearningRate <= learningRate))
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate,
                $"minLearningRate must lie in [0, learningRate = {Guard.Format(learningRate)}]; got {Guard.Format(minLearningRate)}.");
        if (maxGradientNorm is { } max) Guard.Positive(max, nameof(maxGradientNorm));
        var decays = (emaDecays ?? new[] { 0.9999 }).ToArray();
        for (var i = 0; i < decays.Length; i++)
            if (!(decays[i] >= 0 && decays[i] < 1))
                throw new ArgumentOutOfRangeException(nameof(emaDecays), decays[i], $"emaDecays[{i}] must lie in [0, 1); got {Guard.Format(decays[i])}.");
        Guard.Positive(logEvery, nameof(logEvery));
        NonNegative(sampleEvery, nameof(sampleEvery));
        NonNegative(checkpointEvery, nameof(checkpointEvery));
        if (checkpointEvery > 0 && string.IsNullOrWhiteSpace(checkpointPath))
            throw new ArgumentException($"checkpointEvery = {checkpointEvery} needs a checkpointPath to write to; got none.", nameof(checkpointPath));

        TotalSteps = totalSteps;
        Optimizer = optimizer;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        WarmupSteps = warmupSteps;
        Decay = decay;
        MinLearningRate = minLearningRate;
        MaxGradientNorm = maxGradientNorm;
        EmaDecays = decays;
        EmaWarmup = emaWarmup;
        Seed = seed;
        Device = device;
        LogEvery = logEvery;
        SampleEvery = sampleEvery;
        CheckpointEvery = checkpointEvery;
        CheckpointPath = string.IsNullOrWhiteSpace(checkpointPath) ? null : checkpointPath;
    }

    /// <summary>Optimizer steps of the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>The optimizer.</summary>
    public OptimizerKind Optimizer { get; }

    /// <summary>Peak learning rate (reached at the end of the warm-up).</summary>
    public double LearningRate { get; }

    /// <summary>Adam's β1, the decay of the first-moment average.</summary>
    public double Beta1 { get; }

    /// <summary>Adam's β2, the decay of the second-moment average.</summary>
    public double Beta2 { get; }

    /// <summary>Adam's ε.</summary>
    public double Epsilon { get; }

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>Steps of linear warm-up from <see cref="LearningRate"/>/W to <see cref="LearningRate"/>.</summary>
    public long WarmupSteps { get; }

    /// <summary>Schedule after the warm-up.</summary>
    public LearningRateDecay Decay { get; }

    /// <summary>Final learning rate of the cosine decay.</summary>
    public double MinLearningRate { get; }

    /// <summary>Maximum global gradient norm, or <c>null</c> for no clipping.</summary>
    public double? MaxGradientNorm { get; }

    /// <summary>Decays of the exponential moving averages kept, one <see cref="ExponentialMovingAverage"/> each.</summary>
    public IReadOnlyList<double> EmaDecays { get; }

    /// <summary>Whether the averages ramp their decay up (see <see cref="ExponentialMovingAverage.Warmup"/>).</summary>
    public bool EmaWarmup { get; }

    /// <summary>Seed of the trainer's generator.</summary>
    public long Seed { get; }

    /// <summary>Device to train on, or <c>null</c> for the device of the field's parameters.</summary>
    public Device? Device { get; }

    /// <summary>Interval of metric reports, in steps.</summary>
    public long LogEvery { get; }

    /// <summary>Interval of <see cref="Trainer{TField}.SampleDue"/>, in steps; 0 for never.</summary>
    public long SampleEvery { get; }

    /// <summary>Interval of automatic checkpoints, in steps; 0 for never.</summary>
    public long CheckpointEvery { get; }

    /// <summary>Checkpoint file of automatic checkpoints (<c>{step}</c> is replaced by the step), or <c>null</c>.</summary>
    public string? CheckpointPath { get; }

    /// <summary>The learning rate of the step with 0-based index <paramref name="step"/>: linear warm-up
    /// lr·(s + 1)/W for s &lt; W, then lr (constant) or lr_min + (lr − lr_min)·(1 + cos(π·(s − W)/(S − W)))/2 (cosine).</summary>
    /// <param name="step">Index of the step about to be taken, in [0, <see cref="TotalSteps"/>).</param>
    /// <returns>The learning rate.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is outside [0, <see cref="TotalSteps"/>).</exception>
    public double LearningRateAt(long step)
    {
        if (step < 0 || step >= TotalSteps)
            throw new ArgumentOutOfRangeException(nameof(step), step, $"step must lie in [0, TotalSteps = {TotalSteps}); got {step}.");
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        if (Decay == LearningRateDecay.Constant) return LearningRate;
        var progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return MinLearningRate + (LearningRate - MinLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

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
            // A missing member takes the constructor's default, read from options built with the defaults.
            var defaults = new TrainerOptions(total);
            return new TrainerOptions(total,
                optimizer: Parse(json, "optimizer", defaults.Optimizer),
                learningRate: Value(json, "learningRate", defaults.LearningRate),
                beta1: Value(json, "beta1", defaults.Beta1),
                beta2: Value(json, "beta2", defaults.Beta2),
                epsilon: Value(json, "epsilon", defaults.Epsilon),
                weightDecay: Value(json, "weightDecay", defaults.WeightDecay),
                warmupSteps: Value(json, "warmupSteps", defaults.WarmupSteps),
                decay: Parse(json, "decay", defaults.Decay),
                minLearningRate: Value(json, "minLearningRate", defaults.MinLearningRate),
                maxGradientNorm: json["maxGradientNorm"]?.GetValue<double>(),
                emaDecays: json["emaDecays"]?.AsArray().Select(d => d?.GetValue<double>()
                    ?? throw new ArgumentException("The options JSON has a null in emaDecays.", nameof(json))).ToArray(),
                emaWarmup: Value(json, "emaWarmup", defaults.EmaWarmup),
                seed: Value(json, "seed", defaults.Seed),
                device: device is null ? null : new Device(device),
                logEvery: Value(json, "logEvery", defaults.LogEvery),
                sampleEvery: Value(json, "sampleEvery", defaults.SampleEvery),
                checkpointEvery: Value(json, "checkpointEvery", defaults.CheckpointEvery),
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

    private static void Beta(double value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1); got {Guard.Format(value)}.");
    }

    private static void NonNegative(long value, string name)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 0; got {value}.");
    }

    private static void Defined<TEnum>(TEnum value, string name) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be one of {string.Join(", ", Enum.GetNames<TEnum>())}; got {value}.");
    }
}

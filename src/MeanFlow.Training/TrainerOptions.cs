using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// Everything a <see cref="Trainer{TField}"/> needs besides the field, the objective and the data: optimizer,
/// learning-rate schedule, gradient clipping, exponential moving averages, seed and the logging, sampling and
/// checkpoint intervals. Validated on construction; immutable.
/// </summary>
public sealed partial class TrainerOptions
{
    /// <summary>Creates and validates the options. Defaults are the paper's where it has one (Adam, lr 1e-4,
    /// β = (0.9, 0.95), constant learning rate, EMA 0.9999).</summary>
    /// <param name="totalSteps">Optimizer steps of the whole run, ≥ 1.</param>
    /// <param name="optimizer">Adam or AdamW. The default is <see cref="OptimizerKind.Adam"/>.</param>
    /// <param name="learningRate">Peak learning rate, finite and &gt; 0. The default is 1e-4.</param>
    /// <param name="beta1">Adam's β1 in [0, 1). The default is 0.9.</param>
    /// <param name="beta2">Adam's β2 in [0, 1). The default is 0.95.</param>
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
    /// <value>The default is <see cref="OptimizerKind.Adam"/>.</value>
    public OptimizerKind Optimizer { get; }

    /// <summary>Peak learning rate (reached at the end of the warm-up).</summary>
    /// <value>The default is 1e-4.</value>
    public double LearningRate { get; }

    /// <summary>Adam's β1, the decay of the first-moment average.</summary>
    /// <value>The default is 0.9.</value>
    public double Beta1 { get; }

    /// <summary>Adam's β2, the decay of the second-moment average.</summary>
    /// <value>The default is 0.95 (the paper's; PyTorch's default is 0.999).</value>
    public double Beta2 { get; }

    /// <summary>Adam's ε.</summary>
    /// <value>The default is 1e-8.</value>
    public double Epsilon { get; }

    /// <summary>Weight decay.</summary>
    /// <value>The default is 0.</value>
    public double WeightDecay { get; }

    /// <summary>Steps of linear warm-up from <see cref="LearningRate"/>/W to <see cref="LearningRate"/>.</summary>
    /// <value>The default is 0.</value>
    public long WarmupSteps { get; }

    /// <summary>Schedule after the warm-up.</summary>
    /// <value>The default is <see cref="LearningRateDecay.Constant"/>.</value>
    public LearningRateDecay Decay { get; }

    /// <summary>Final learning rate of the cosine decay.</summary>
    /// <value>The default is 0.</value>
    public double MinLearningRate { get; }

    /// <summary>Maximum global gradient norm, or <c>null</c> for no clipping.</summary>
    /// <value>The default is <c>null</c>.</value>
    public double? MaxGradientNorm { get; }

    /// <summary>Decays of the exponential moving averages kept, one <see cref="ExponentialMovingAverage"/> each.</summary>
    /// <value>The default is { 0.9999 }.</value>
    public IReadOnlyList<double> EmaDecays { get; }

    /// <summary>Whether the averages ramp their decay up (see <see cref="ExponentialMovingAverage.Warmup"/>).</summary>
    /// <value>The default is true.</value>
    public bool EmaWarmup { get; }

    /// <summary>Seed of the trainer's generator.</summary>
    /// <value>The default is 0.</value>
    public long Seed { get; }

    /// <summary>Device to train on, or <c>null</c> for the device of the field's parameters.</summary>
    /// <value>The default is <c>null</c>.</value>
    public Device? Device { get; }

    /// <summary>Interval of metric reports, in steps.</summary>
    /// <value>The default is 100.</value>
    public long LogEvery { get; }

    /// <summary>Interval of <see cref="Trainer{TField}.SampleDue"/>, in steps; 0 for never.</summary>
    /// <value>The default is 0.</value>
    public long SampleEvery { get; }

    /// <summary>Interval of automatic checkpoints, in steps; 0 for never.</summary>
    /// <value>The default is 0.</value>
    public long CheckpointEvery { get; }

    /// <summary>Checkpoint file of automatic checkpoints (<c>{step}</c> is replaced by the step), or <c>null</c>.</summary>
    /// <value>The default is <c>null</c>.</value>
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

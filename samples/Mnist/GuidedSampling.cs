using System;
using MeanFlow.Fields;
using MeanFlow.Sampling;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>An improved-MeanFlow sampler at a fixed guidance, usable where an <see cref="ISampler"/> is expected (the sample
/// grids and the evaluation): k MeanFlow steps of the model's u-head at ω on the interval [t_min, t_max], chosen at sampling
/// time from one trained model.</summary>
internal sealed class GuidedMeanFlowSampler(int steps, double scale, double intervalStart = 0.0, double intervalEnd = 1.0) : ISampler
{
    private readonly MeanFlowSampler _inner = new(steps);

    public int FunctionEvaluations => _inner.FunctionEvaluations;

    public Tensor Sample(IVelocityField field, Tensor noise, Tensor? labels = null) => field is IGuidedVelocityField guided
        ? _inner.SampleGuided(guided, noise, labels, scale, intervalStart, intervalEnd)
        : throw new ArgumentException($"{field.GetType().Name} is not a guidance-conditioned (improved MeanFlow) field.", nameof(field));
}

using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// Device-side bookkeeping of a training run between host reads: the sum of the losses since the last report and the
/// first step whose loss or gradient norm was not finite (with both values). Each step adds to it without reading;
/// <see cref="Read"/> brings everything to the host in one read and throws if the run diverged.
/// </summary>
internal sealed class DivergenceWatch : IDisposable
{
    private readonly Tensor _lossSum;
    private readonly Tensor _firstBad;          // (step, loss, gradient norm); step 0 = none yet

    internal DivergenceWatch(Device device)
    {
        _lossSum = zeros(1, dtype: ScalarType.Float64, device: device).DetachFromDisposeScope();
        _firstBad = zeros(3, dtype: ScalarType.Float64, device: device).DetachFromDisposeScope();
    }

    /// <summary>Adds a step's loss to the sum and records it if it is the first non-finite one (no host read).</summary>
    internal void Add(DeviceStep step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var loss = step.Loss.to(ScalarType.Float64).reshape(1);
        _lossSum.add_(loss);
        var lossFinite = isfinite(loss);
        var bad = lossFinite.logical_and(isfinite(step.GradientNorm)).logical_not();
        var first = bad.logical_and(_firstBad.narrow(0, 0, 1).eq(0));
        // The norm of a non-finite loss's gradient means nothing: record NaN, as TrainStep does.
        var norm = where(lossFinite, step.GradientNorm.reshape(1), full_like(loss, double.NaN));
        var candidate = cat(new[] { full_like(loss, (double)step.Number), loss, norm });
        _firstBad.copy_(where(first, candidate, _firstBad));
    }

    /// <summary>Reads the loss sum and the step's summary in one read; throws if some step so far diverged.</summary>
    /// <param name="step">The step just taken (its number is where the divergence was found).</param>
    /// <returns>The loss sum and (loss, mean squared error, mean weight, gradient norm) of <paramref name="step"/>.</returns>
    /// <exception cref="TrainingDivergedException">A step's loss or gradient norm was not finite.</exception>
    internal (double LossSum, double[] Values) Read(DeviceStep step)
    {
        using var scope = NewDisposeScope();
        var all = HostRead.Values<double>(cat(new[] { _lossSum, _firstBad, step.Summary() }));
        ThrowIf(all.AsSpan(1, 3), step.Number);
        return (all[0], all[4..]);
    }

    /// <summary>Reads only the divergence record (one read) and throws if some step diverged.</summary>
    internal void ThrowIfDiverged(long currentStep)
    {
        using var scope = NewDisposeScope();
        ThrowIf(HostRead.Values<double>(_firstBad), currentStep);
    }

    internal void ResetLossSum() => _lossSum.zero_();

    private static void ThrowIf(ReadOnlySpan<double> firstBad, long currentStep)
    {
        if (firstBad[0] != 0) throw new TrainingDivergedException((long)firstBad[0], firstBad[1], firstBad[2], currentStep);
    }

    public void Dispose()
    {
        _lossSum.Dispose();
        _firstBad.Dispose();
    }
}

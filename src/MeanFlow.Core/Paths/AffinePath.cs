using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Paths;

/// <summary>
/// The affine probability path z_t = a_t·x + b_t·ε from data (t = 0) to noise (t = 1), for a schedule
/// (a_t, b_t). Its conditional velocity v_t = a'_t·x + b'_t·ε is the regression target of flow matching.
/// </summary>
public sealed class AffinePath : IProbabilityPath
{
    /// <summary>Creates the path of a schedule.</summary>
    /// <param name="schedule">The schedule; <c>null</c> for <see cref="LinearSchedule"/>.</param>
    public AffinePath(ISchedule? schedule = null) => Schedule = schedule ?? new LinearSchedule();

    /// <summary>The linear (CondOT) path: z_t = (1 − t)·x + t·ε.</summary>
    public static AffinePath Linear { get; } = new(new LinearSchedule());

    /// <summary>The cosine path: z_t = cos(πt/2)·x + sin(πt/2)·ε.</summary>
    public static AffinePath Cosine { get; } = new(new CosineSchedule());

    /// <summary>The schedule (a_t, b_t).</summary>
    public ISchedule Schedule { get; }

    /// <inheritdoc />
    public PathSample Sample(Tensor x, Tensor noise, Tensor t)
    {
        Guard.Floating(x, nameof(x), minDims: 1);
        Guard.Floating(noise, nameof(noise));
        Guard.SameShape(x, nameof(x), noise, nameof(noise));
        Guard.BatchVector(t, x.shape[0], nameof(t));
        using var scope = NewDisposeScope();
        var c = Schedule.Evaluate(TensorRows.Broadcast(t, x));
        var z = c.A * x + c.B * noise;
        var v = c.DA * x + c.DB * noise;
        return new PathSample(z.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }
}

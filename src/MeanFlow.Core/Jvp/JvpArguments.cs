using System;
using MeanFlow.Fields;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>Shared argument checks of the JVP engines.</summary>
internal static class JvpArguments
{
    internal static void Check(IVelocityField field, Tensor z, Tensor r, Tensor t, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(field);
        CheckInputs(z, r, t, tangent);
    }

    internal static void Check(IGuidedVelocityField field, Tensor z, Tensor r, Tensor t, GuidanceConditions guidance, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(guidance);
        CheckInputs(z, r, t, tangent);
        Guard.BatchVector(guidance.Scale, z.shape[0], "guidance.Scale");
        Guard.SameDtype(z, nameof(z), guidance.Scale, "guidance.Scale");
        Guard.SameDevice(z, nameof(z), guidance.Scale, "guidance.Scale");
    }

    private static void CheckInputs(Tensor z, Tensor r, Tensor t, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(tangent);
        Guard.Floating(z, nameof(z), minDims: 1);
        var b = z.shape[0];
        Guard.BatchVector(r, b, nameof(r));
        Guard.BatchVector(t, b, nameof(t));
        if (tangent.Rows > b)
            throw new ArgumentException($"tangent covers {tangent.Rows} rows but the batch has only {b}.", nameof(tangent));
        var rowShape = z.shape[1..];
        var tangentRowShape = tangent.Z.shape[1..];
        if (!rowShape.AsSpan().SequenceEqual(tangentRowShape))
            throw new ArgumentException(
                $"tangent.Z must have rows shaped like z's rows [{string.Join(", ", rowShape)}]; got [{string.Join(", ", tangentRowShape)}].",
                nameof(tangent));
        Guard.SameDtype(z, nameof(z), tangent.Z, "tangent.Z");
        Guard.SameDevice(z, nameof(z), tangent.Z, "tangent.Z");
    }

    /// <summary>The leading <paramref name="rows"/> rows of <paramref name="x"/> (a view), or null.</summary>
    internal static Tensor? Lead(Tensor? x, long rows) => x?.narrow(0, 0, rows);

    /// <summary>The guidance of the leading <paramref name="rows"/> rows (views).</summary>
    internal static GuidanceConditions Lead(GuidanceConditions guidance, long rows) => new(guidance.Scale.narrow(0, 0, rows),
        guidance.IntervalStart.narrow(0, 0, rows), guidance.IntervalEnd.narrow(0, 0, rows));
}

using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// The default engine: forward mode when the field can propagate tangents
/// (<see cref="ITangentVelocityField"/>, <see cref="ITangentGuidedVelocityField"/>), otherwise the exact double-backward engine.
/// </summary>
public sealed class AutomaticJvp : IJvpEngine, IGuidedJvpEngine
{
    private readonly ForwardModeJvp _forward = new();
    private readonly DoubleBackwardJvp _doubleBackward = new();

    /// <inheritdoc />
    public JvpOutput Compute(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent) =>
        field is ITangentVelocityField
            ? _forward.Compute(field, z, r, t, labels, tangent)
            : _doubleBackward.Compute(field, z, r, t, labels, tangent);

    /// <inheritdoc />
    public GuidedJvpOutput Compute(IGuidedVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels,
        GuidanceConditions guidance, InputTangent tangent) =>
        field is ITangentGuidedVelocityField
            ? _forward.Compute(field, z, r, t, labels, guidance, tangent)
            : _doubleBackward.Compute(field, z, r, t, labels, guidance, tangent);
}

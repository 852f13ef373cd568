using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// The default engine: forward mode when the field can propagate tangents
/// (<see cref="ITangentVelocityField"/>), otherwise the exact double-backward engine.
/// </summary>
public sealed class AutomaticJvp : IJvpEngine
{
    private readonly ForwardModeJvp _forward = new();
    private readonly DoubleBackwardJvp _doubleBackward = new();

    /// <inheritdoc />
    public JvpOutput Compute(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent) =>
        field is ITangentVelocityField
            ? _forward.Compute(field, z, r, t, labels, tangent)
            : _doubleBackward.Compute(field, z, r, t, labels, tangent);
}

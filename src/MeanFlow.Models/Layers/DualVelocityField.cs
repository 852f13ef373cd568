using System.Runtime.InteropServices;
using System;
using MeanFlow.Fields;
using MeanFlow.Jvp;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// A velocity field u_θ(z, r, t | c) written once, on pairs, with the tangent-capable layers: a subclass implements
/// <see cref="Forward"/>, and this class answers both <see cref="AverageVelocity"/> (pairs without tangents: the
/// plain forward pass) and <see cref="AverageVelocityWithTangent"/> (the same pass with the tangent (dz, dr, dt)
/// of the leading K rows), so MeanFlow's JVP rides along the forward pass and no second copy of the network exists.
/// </summary>
public abstract class DualVelocityField : nn.Module, ITangentVelocityField
{
    /// <summary>Creates the module.</summary>
    /// <param name="name">The module's name (TorchSharp's <c>nn.Module</c> name, e.g. <c>nameof(MyField)</c>).</param>
    protected DualVelocityField(string name) : base(name) { }

    /// <summary>
    /// The network on pairs: u(z, r, t | c) on all B rows and, when the inputs carry tangents of their leading K rows,
    /// its JVP ∂_z u·dz + ∂_r u·dr + ∂_t u·dt on those rows.
    /// </summary>
    /// <param name="z">State, shape (B, ...), tangent (K, ...) or none.</param>
    /// <param name="r">Start times, shape (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="t">End times, shape (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="labels">Class labels, int64 (B,), or <c>null</c>; the subclass states their range and what
    /// <c>null</c> means.</param>
    /// <returns>u, shape (B, ...), and its tangent (K, ...) when the inputs have tangents.</returns>
    public abstract Dual Forward(Dual z, Dual r, Dual t, Tensor? labels = null);

    /// <inheritdoc />
    /// <remarks>Runs <see cref="Forward"/> without tangents; its documentation states the shapes and labels.</remarks>
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(t);
        using var scope = NewDisposeScope();
        return LabelChecked(labels, () => Forward(new Dual(z), new Dual(r), new Dual(t), labels)).Primal.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>Runs <see cref="Forward"/> with the tangent of the leading K = <c>tangent.Rows</c> ≤ B rows; the value is
    /// bit-identical to <see cref="AverageVelocity"/>'s.</remarks>
    /// <exception cref="ArgumentException"><c>tangent.Z</c> does not have shape (K, ...) of z's rows, dtype and device.</exception>
    public JvpOutput AverageVelocityWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(tangent);
        using var scope = NewDisposeScope();
        var u = LabelChecked(labels, () => Forward(new Dual(z, tangent.Z), new Dual(r, tangent.R), new Dual(t, tangent.T), labels));
        return new JvpOutput(u.Primal, u.Tangent!).MoveToOuterDisposeScope();
    }

    /// <summary>K of a class-conditional field (labels in [0, K], K the null class), or 0: named in the message when a
    /// label is out of range.</summary>
    private protected virtual long LabelClasses => 0;

    /// <summary>Runs the forward pass; the label range is not read on the way in (that would stall a GPU every call),
    /// so a native index error (or a layer's own range error) is turned into the <see cref="ArgumentOutOfRangeException"/> that names
    /// the labels and this field's range.</summary>
    private protected T LabelChecked<T>(Tensor? labels, Func<T> forward)
    {
        try
        {
            return forward();
        }
        catch (Exception e) when (e is ExternalException or ArgumentOutOfRangeException && labels is not null && LabelClasses > 0)
        {
            FieldInputs.ThrowIfOutOfRange(labels, LabelClasses);
            throw;
        }
    }
}

using System;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Internal;
using MeanFlow.Jvp;
using MeanFlow.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Mlp;

/// <summary>
/// A two-head, guidance-conditioned multilayer perceptron for low-dimensional data (improved MeanFlow): from one trunk
/// it returns the average velocity u(z, r, t | c, ω, t_min, t_max) and the auxiliary instantaneous velocity v. The
/// state, the sinusoidal embeddings (<see cref="FrequencyEmbedding"/>) of the time inputs and of the guidance inputs
/// 1 − 1/ω, t_min and t_max (as the official iMF DiT embeds them) are concatenated and passed through <c>depth</c> SiLU
/// layers of width <c>width</c>; an optional class embedding is added to the first hidden layer; each head then has
/// <c>headDepth</c> SiLU layers and a linear output, which starts at zero.
/// </summary>
/// <remarks>
/// <para>Built from the tangent-capable layers, so it is an <see cref="ITangentGuidedVelocityField"/>: the u-head's JVP
/// rides along the forward pass on the leading rows (ω and the interval are constants along the tangent). The v-head
/// is evaluated without a tangent. As an <see cref="IVelocityField"/> (e.g. for the trainer, or the single-head
/// samplers) it answers u without guidance: ω = 1 on [0, 1].</para>
/// <para>State-dict keys: <c>input.*</c>, <c>trunk.{i}.*</c>, <c>u_head.{i}.*</c>, <c>u_output.*</c>, <c>v_head.{i}.*</c>,
/// <c>v_output.*</c> (<c>weight</c>, <c>bias</c>, as <c>nn.Linear</c>) and, for a conditional field,
/// <c>label_embedding.weight</c> (classes + 1 rows).</para>
/// </remarks>
public sealed class GuidedMlpVelocityField : nn.Module, ITangentGuidedVelocityField, IVelocityField
{
    private static readonly DualSilu Silu = new();

    private readonly DualLinear input;
    private readonly ModuleList<DualLinear> trunk;
    private readonly ModuleList<DualLinear> u_head;
    private readonly DualLinear u_output;
    private readonly ModuleList<DualLinear> v_head;
    private readonly DualLinear v_output;
    private readonly Embedding? label_embedding;
    private readonly int _frequencies;
    private readonly double _timeScale;

    /// <summary>Creates the network.</summary>
    /// <param name="dimension">D, the data dimension (input and output width), ≥ 1.</param>
    /// <param name="width">Hidden width. The default is 256.</param>
    /// <param name="depth">Number of SiLU layers of the shared trunk, ≥ 1. The default is 3.</param>
    /// <param name="headDepth">Number of SiLU layers of each head before its output, ≥ 0. The default is 1.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <param name="classes">Number of classes for a conditional field (one more embedding row is reserved for the null
    /// class, index <paramref name="classes"/>), or 0 for an unconditional field. The default is 0.</param>
    /// <param name="frequencies">Frequencies per scalar input of the sinusoidal embedding. The default is 16.</param>
    /// <param name="timeScale">Times and guidance inputs are multiplied by this before the embedding, finite and non-zero.
    /// The default is 1000, as in DiT and <see cref="MlpVelocityField"/>; for small MLPs on low-dimensional data 1 trains far more
    /// stably (the JVP's ∂_t grows with the scale; Toy2D uses 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or <paramref name="timeScale"/> is zero or not finite.</exception>
    public GuidedMlpVelocityField(int dimension, int width = 256, int depth = 3, int headDepth = 1,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, int classes = 0, int frequencies = 16,
        double timeScale = 1000.0) : base(nameof(GuidedMlpVelocityField))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(headDepth);
        ArgumentOutOfRangeException.ThrowIfNegative(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencies, 1);
        Guard.NonZero(timeScale, nameof(timeScale));
        Dimension = dimension;
        Conditioning = conditioning;
        Classes = classes;
        _frequencies = frequencies;
        _timeScale = timeScale;
        var scalars = conditioning.InputCount() + 3;                                        // times, 1 − 1/ω, t_min, t_max
        input = new DualLinear(dimension + scalars * 2L * frequencies, width);
        trunk = Layers(depth - 1, width);
        u_head = Layers(headDepth, width);
        v_head = Layers(headDepth, width);
        u_output = new DualLinear(width, dimension);
        v_output = new DualLinear(width, dimension);
        if (classes > 0) label_embedding = nn.Embedding(classes + 1, width);
        RegisterComponents();
        using (no_grad())
        {
            foreach (var output in new[] { u_output, v_output })
            {
                output.Weight.zero_();
                output.Bias!.zero_();
            }
        }
    }

    /// <summary>D, the data dimension.</summary>
    public int Dimension { get; }

    /// <summary>The time inputs.</summary>
    public TimeConditioning Conditioning { get; }

    /// <summary>Number of classes (0 for an unconditional field); the null class is index <see cref="Classes"/>.</summary>
    public int Classes { get; }

    /// <inheritdoc />
    /// <remarks>Always true: this network has both heads.</remarks>
    public bool HasInstantaneousHead => true;

    /// <summary>The network on pairs: both heads on all B rows and, when the inputs carry tangents of their leading K rows,
    /// the u-head's JVP on those rows.</summary>
    /// <param name="z">States (B, D) with the field's dtype and device, tangent (K, D) or none.</param>
    /// <param name="r">Start times (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="t">End times (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="labels">For a conditional field, int64 (B,) in [0, <see cref="Classes"/>], or <c>null</c> to add no
    /// class embedding; an unconditional field takes no labels.</param>
    /// <param name="guidance">ω ≥ 1, t_min, t_max per row, (B,) each, dtype and device of <paramref name="z"/>.</param>
    /// <returns>u, shape (B, D), with its tangent (K, D) when the inputs have tangents; and v, shape (B, D).</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, the inputs' tangents differ, or labels
    /// were given to an unconditional field.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, <see cref="Classes"/>].</exception>
    public (Dual Average, Tensor Instantaneous) Forward(Dual z, Dual r, Dual t, Tensor? labels, GuidanceConditions guidance)
    {
        var (u, v) = Run(z, r, t, labels, guidance, instantaneous: true);
        return (u, v!);
    }

    /// <inheritdoc />
    public TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        Plain(z, r, t);
        using var scope = NewDisposeScope();
        var (u, v) = Run(new Dual(z), new Dual(r), new Dual(t), labels, guidance, instantaneous: true);
        return new TwoHeadVelocity(u.Primal, v!).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public (TwoHeadVelocity Value, Tensor AverageTangent) VelocitiesWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels,
        GuidanceConditions guidance, InputTangent tangent)
    {
        Plain(z, r, t);
        ArgumentNullException.ThrowIfNull(tangent);
        using var scope = NewDisposeScope();
        var (u, v) = Run(new Dual(z, tangent.Z), new Dual(r, tangent.R), new Dual(t, tangent.T), labels, guidance, instantaneous: true);
        return (new TwoHeadVelocity(u.Primal, v!).MoveToOuterDisposeScope(), u.Tangent!.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    /// <remarks>The trunk and the v-head only (the u-head is skipped).</remarks>
    public Tensor InstantaneousVelocity(Tensor z, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        Plain(z, t, t);
        using var scope = NewDisposeScope();
        return Run(new Dual(z), new Dual(t), new Dual(t), labels, guidance, instantaneous: true, average: false).Instantaneous!
            .MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>The trunk and the u-head only (the v-head is skipped).</remarks>
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        Plain(z, r, t);
        using var scope = NewDisposeScope();
        return Run(new Dual(z), new Dual(r), new Dual(t), labels, guidance, instantaneous: false).Average.Primal.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>The u-head without guidance: ω = 1 on [0, 1] (the v-head is not evaluated).</remarks>
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        Plain(z, r, t);
        Guard.Floating(z, nameof(z), minDims: 1);
        using var scope = NewDisposeScope();
        var none = GuidanceConditions.None(z.shape[0], z.dtype, z.device);
        return Run(new Dual(z), new Dual(r), new Dual(t), labels, none, instantaneous: false).Average.Primal.MoveToOuterDisposeScope();
    }

    /// <summary>The network: u (skipped when not <paramref name="average"/>, then returned as null) and, when
    /// <paramref name="instantaneous"/>, v.</summary>
    private (Dual Average, Tensor? Instantaneous) Run(Dual z, Dual r, Dual t, Tensor? labels, GuidanceConditions guidance, bool instantaneous,
        bool average = true)
    {
        FieldInputs.Check(z, r, t, labels, new long[] { Dimension }, input.Weight, Classes);
        CheckGuidance(guidance, z.Primal);
        using var scope = NewDisposeScope();
        long? k = z.HasTangent ? z.TangentRows : null;
        var guidanceInputs = new[] { 1 - guidance.Scale.reciprocal(), guidance.IntervalStart, guidance.IntervalEnd }
            .Select(s => Dual.Constant(s, k));
        var scalars = TimeInputs.Of(Conditioning, r, t).Concat(guidanceInputs)
            .Select(s => FrequencyEmbedding.Apply(s, 2L * _frequencies, _timeScale));
        var h = input.call(Dual.Cat(scalars.Prepend(z).ToArray(), 1));                     // (B, width)
        if (label_embedding is not null && labels is not null) h = h + label_embedding.call(labels);
        foreach (var layer in trunk) h = layer.call(Silu.call(h));                          // (B, width)
        var u = average ? Head(h, u_head, u_output) : null;                                // (B, D), tangent (K, D)
        Tensor? v = instantaneous ? Head(new Dual(h.Primal), v_head, v_output).Primal : null; // (B, D), no tangent needed
        u?.MoveToOuter(scope);
        v?.MoveToOuterDisposeScope();
        return (u!, v);
    }

    private static Dual Head(Dual h, ModuleList<DualLinear> layers, DualLinear output)
    {
        foreach (var layer in layers) h = layer.call(Silu.call(h));
        return output.call(Silu.call(h));
    }

    private static ModuleList<DualLinear> Layers(int count, int width) =>
        new(Enumerable.Range(0, count).Select(_ => new DualLinear(width, width)).ToArray());

    private static void Plain(Tensor z, Tensor r, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(t);
    }

    private static void CheckGuidance(GuidanceConditions guidance, Tensor z)
    {
        ArgumentNullException.ThrowIfNull(guidance);
        if (guidance.Rows != z.shape[0] || guidance.Scale.dtype != z.dtype || guidance.Scale.device.type != z.device.type
            || guidance.Scale.device.index != z.device.index)
            throw new ArgumentException(
                $"guidance must have {z.shape[0]} rows of z's dtype {z.dtype} on {z.device}; got {guidance.Rows} rows of {guidance.Scale.dtype} on {guidance.Scale.device}.",
                nameof(guidance));
    }
}

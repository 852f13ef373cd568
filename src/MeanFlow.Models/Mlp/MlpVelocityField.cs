using System;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Internal;
using MeanFlow.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Mlp;

/// <summary>
/// A small multilayer perceptron u_θ(z, r, t | c) for low-dimensional data (2-D toy distributions, tabular
/// data): the state and the time inputs — raw (the default) or as sinusoidal embeddings (<see cref="FrequencyEmbedding"/>),
/// see <see cref="MlpTimeFeatures"/> — are concatenated and passed through <c>depth</c> SiLU layers of width <c>width</c>;
/// an optional class embedding is
/// added to the first hidden layer. Built from the tangent-capable layers (<see cref="DualVelocityField"/>), so
/// MeanFlow's JVP costs one extra matrix product per layer on the rows with r ≠ t. The output layer starts at zero,
/// so u = 0 at initialisation.
/// </summary>
/// <remarks>State-dict keys: <c>input.*</c>, <c>hidden.{i}.*</c>, <c>output.*</c> (<c>weight</c>, <c>bias</c>, as
/// <c>nn.Linear</c>) and, for a conditional field, <c>label_embedding.weight</c> (classes + 1 rows).</remarks>
public sealed class MlpVelocityField : DualVelocityField
{
    private static readonly DualSilu Silu = new();

    private readonly DualLinear input;
    private readonly ModuleList<DualLinear> hidden;
    private readonly DualLinear output;
    private readonly Embedding? label_embedding;
    private readonly int _frequencies;
    private readonly double _timeScale;

    /// <summary>Creates the network.</summary>
    /// <param name="dimension">D, the data dimension (input and output width), ≥ 1.</param>
    /// <param name="width">Hidden width. The default is 256.</param>
    /// <param name="depth">Number of hidden SiLU layers, ≥ 1. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r), the paper's.</param>
    /// <param name="classes">Number of classes for a conditional field (one more embedding row is reserved for the
    /// null class, index <paramref name="classes"/>), or 0 for an unconditional field. The default is 0.</param>
    /// <param name="frequencies">Frequencies per time input of the sinusoidal embedding (used with
    /// <see cref="MlpTimeFeatures.Sinusoidal"/>), ≥ 1. The default is 16.</param>
    /// <param name="timeScale">Time inputs are multiplied by this before they enter the network (or its embedding),
    /// finite and non-zero. The default is 1, for times in [0, 1] (DiT's sinusoidal embedding uses 1000).</param>
    /// <param name="timeFeatures">How the time inputs enter the first layer. The default is
    /// <see cref="MlpTimeFeatures.Raw"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, <paramref name="classes"/> is negative,
    /// <paramref name="timeScale"/> is zero or not finite, or <paramref name="timeFeatures"/> is not defined.</exception>
    public MlpVelocityField(int dimension, int width = 256, int depth = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, int classes = 0,
        int frequencies = 16, double timeScale = 1.0, MlpTimeFeatures timeFeatures = MlpTimeFeatures.Raw)
        : base(nameof(MlpVelocityField))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencies, 1);
        Guard.NonZero(timeScale, nameof(timeScale));
        if (!Enum.IsDefined(timeFeatures))
            throw new ArgumentOutOfRangeException(nameof(timeFeatures), timeFeatures, $"timeFeatures must be Raw or Sinusoidal; got {timeFeatures}.");
        Dimension = dimension;
        Conditioning = conditioning;
        Classes = classes;
        _frequencies = frequencies;
        _timeScale = timeScale;
        TimeFeatures = timeFeatures;
        var columnsPerTime = timeFeatures == MlpTimeFeatures.Raw ? 1L : 2L * frequencies;
        input = new DualLinear(dimension + conditioning.InputCount() * columnsPerTime, width);
        hidden = new ModuleList<DualLinear>(Enumerable.Range(0, depth - 1).Select(_ => new DualLinear(width, width)).ToArray());
        output = new DualLinear(width, dimension);
        if (classes > 0) label_embedding = nn.Embedding(classes + 1, width);
        RegisterComponents();
        using (no_grad())
        {
            output.Weight.zero_();
            output.Bias!.zero_();
        }
    }

    /// <summary>D, the data dimension.</summary>
    public int Dimension { get; }

    /// <summary>The time inputs.</summary>
    public TimeConditioning Conditioning { get; }

    /// <summary>How the time inputs enter the first layer.</summary>
    public MlpTimeFeatures TimeFeatures { get; }

    /// <summary>Number of classes (0 for an unconditional field); the null class is index <see cref="Classes"/>.</summary>
    public int Classes { get; }

    private protected override long LabelClasses => Classes;

    /// <summary>The network on pairs: u(z, r, t | c) on all B rows and, when the inputs carry tangents of their
    /// leading K rows, its JVP on those rows.</summary>
    /// <param name="z">States (B, D) with the field's dtype and device, tangent (K, D) or none.</param>
    /// <param name="r">Start times (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="t">End times (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="labels">For a conditional field, int64 (B,) in [0, <see cref="Classes"/>] (<see cref="Classes"/> is
    /// the null class), or <c>null</c> to add no class embedding; an unconditional field takes no labels.</param>
    /// <returns>u, shape (B, D), and its tangent (K, D) when the inputs have tangents.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, the inputs' tangents differ,
    /// or labels were given to an unconditional field.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, <see cref="Classes"/>].</exception>
    public override Dual Forward(Dual z, Dual r, Dual t, Tensor? labels = null)
    {
        FieldInputs.Check(z, r, t, labels, new long[] { Dimension }, input.Weight, Classes);
        using var scope = NewDisposeScope();
        var times = TimeInputs.Of(Conditioning, r, t).Select(Features);
        var h = input.call(Dual.Cat(times.Prepend(z).ToArray(), 1));                      // (B, width)
        if (label_embedding is not null && labels is not null) h = h + label_embedding.call(labels);
        foreach (var layer in hidden) h = layer.call(Silu.call(h));                         // (B, width)
        return output.call(Silu.call(h)).MoveToOuter(scope);                               // (B, D)
    }

    /// <summary>The first layer's columns of one time input (B,): (B, 1) raw or (B, 2·frequencies) embedded.</summary>
    private Dual Features(Dual time) => TimeFeatures == MlpTimeFeatures.Raw
        ? time.MapLinear(x => x.mul(_timeScale).unsqueeze(1))
        : FrequencyEmbedding.Apply(time, 2L * _frequencies, _timeScale);
}

using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Jvp;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Mlp;

/// <summary>
/// A small multilayer perceptron u_θ(z, r, t | c) for low-dimensional data (2-D toy distributions, tabular
/// data): the state and sinusoidal embeddings of the time inputs are concatenated and passed through
/// <c>depth</c> SiLU layers of width <c>width</c>; an optional class embedding is added to the first
/// hidden layer. It propagates tangents itself (<see cref="ITangentVelocityField"/>), so MeanFlow's JVP
/// costs one extra matrix product per layer on the rows with r ≠ t. The output layer starts at zero, so
/// u = 0 at initialisation.
/// </summary>
public sealed class MlpVelocityField : nn.Module, ITangentVelocityField
{
    private readonly Linear input;
    private readonly ModuleList<Linear> hidden;
    private readonly Linear output;
    private readonly Embedding? label_embedding;
    private readonly SinusoidalEmbedding time_embedding;

    /// <summary>Creates the network.</summary>
    /// <param name="dimension">D, the data dimension (input and output width), ≥ 1.</param>
    /// <param name="width">Hidden width. The default is 256.</param>
    /// <param name="depth">Number of hidden SiLU layers, ≥ 1. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r), the paper's.</param>
    /// <param name="classes">Number of classes for a conditional field (one more embedding row is reserved for the
    /// null class, index <paramref name="classes"/>), or 0 for an unconditional field. The default is 0.</param>
    /// <param name="frequencies">Frequencies per time input of the sinusoidal embedding. The default is 16.</param>
    /// <param name="timeScale">Times are multiplied by this before the embedding. The default is 1000, as in DiT.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or <paramref name="classes"/> is negative.</exception>
    public MlpVelocityField(int dimension, int width = 256, int depth = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, int classes = 0,
        int frequencies = 16, double timeScale = 1000.0) : base(nameof(MlpVelocityField))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(classes);
        Dimension = dimension;
        Conditioning = conditioning;
        Classes = classes;
        time_embedding = new SinusoidalEmbedding(frequencies, timeScale);
        input = nn.Linear(dimension + conditioning.InputCount() * time_embedding.Width, width);
        hidden = new ModuleList<Linear>(Enumerable.Range(0, depth - 1).Select(_ => nn.Linear(width, width)).ToArray());
        output = nn.Linear(width, dimension);
        if (classes > 0) label_embedding = nn.Embedding(classes + 1, width);
        RegisterComponents();
        using (no_grad())
        {
            output.weight!.zero_();
            output.bias!.zero_();
        }
    }

    /// <summary>D, the data dimension.</summary>
    public int Dimension { get; }

    /// <summary>The time inputs.</summary>
    public TimeConditioning Conditioning { get; }

    /// <summary>Number of classes (0 for an unconditional field); the null class is index <see cref="Classes"/>.</summary>
    public int Classes { get; }

    /// <inheritdoc />
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        Check(z, r, t, labels);
        var h = input.call(Features(z, r, t)) + LabelBias(labels);
        foreach (var layer in hidden) h = layer.call(nn.functional.silu(h));
        return output.call(nn.functional.silu(h)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public JvpOutput AverageVelocityWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(tangent);
        using var scope = NewDisposeScope();
        Check(z, r, t, labels);
        var k = tangent.Rows;
        var h = input.call(Features(z, r, t)) + LabelBias(labels);
        Tensor dh;
        using (no_grad()) dh = nn.functional.linear(TangentFeatures(r, t, tangent), input.weight!);
        foreach (var layer in hidden)
        {
            var a = nn.functional.silu(h);
            using (no_grad()) dh = nn.functional.linear(SiluTangent(h.narrow(0, 0, k), dh), layer.weight!);
            h = layer.call(a);
        }
        var u = output.call(nn.functional.silu(h));
        Tensor du;
        using (no_grad()) du = nn.functional.linear(SiluTangent(h.narrow(0, 0, k), dh), output.weight!);
        return new JvpOutput(u, du).MoveToOuterDisposeScope();
    }

    private Tensor Features(Tensor z, Tensor r, Tensor t)
    {
        var parts = new List<Tensor> { z };
        parts.AddRange(Conditioning.Inputs(r, t).Select(time_embedding.Embed));
        return cat(parts, 1);
    }

    private Tensor TangentFeatures(Tensor r, Tensor t, InputTangent tangent)
    {
        var k = tangent.Rows;
        var values = Conditioning.Inputs(r.narrow(0, 0, k), t.narrow(0, 0, k));
        var directions = Conditioning.Inputs(tangent.R, tangent.T);   // linear in (r, t): same map
        var parts = new List<Tensor> { tangent.Z };
        parts.AddRange(values.Zip(directions, time_embedding.EmbedTangent));
        return cat(parts, 1);
    }

    private Tensor LabelBias(Tensor? labels) =>
        label_embedding is null || labels is null ? tensor(0.0f) : label_embedding.call(labels);

    /// <summary>silu′(x)·dx with silu′(x) = σ(x)·(1 + x·(1 − σ(x))).</summary>
    private static Tensor SiluTangent(Tensor x, Tensor dx)
    {
        var s = x.detach().sigmoid();
        return s.mul(x.detach().mul(s.neg().add_(1)).add_(1)).mul_(dx);
    }

    private void Check(Tensor z, Tensor r, Tensor t, Tensor? labels)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.dim() != 2 || z.shape[1] != Dimension)
            throw new ArgumentException($"z must have shape [B, {Dimension}]; got [{string.Join(", ", z.shape)}].", nameof(z));
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(t);
        if (r.dim() != 1 || t.dim() != 1 || r.shape[0] != z.shape[0] || t.shape[0] != z.shape[0])
            throw new ArgumentException($"r and t must have shape [{z.shape[0]}]; got [{string.Join(", ", r.shape)}] and [{string.Join(", ", t.shape)}].");
        if (labels is not null && label_embedding is null)
            throw new ArgumentException("This field is unconditional (classes = 0) but labels were given.", nameof(labels));
        if (labels is not null)
        {
            if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != z.shape[0])
                throw new ArgumentException($"labels must be int64 of shape [{z.shape[0]}]; got {labels.dtype} [{string.Join(", ", labels.shape)}].", nameof(labels));
            if (labels.numel() > 0 && (labels.min().item<long>() < 0 || labels.max().item<long>() > Classes))
                throw new ArgumentOutOfRangeException(nameof(labels), $"labels must lie in [0, {Classes}] ({Classes} is the null class).");
        }
    }
}

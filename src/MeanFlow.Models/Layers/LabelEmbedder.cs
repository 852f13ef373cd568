using System;
using MeanFlow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Class-label embedding, laid out like MFDiT's <c>LabelEmbedder</c>: one table <c>embedding</c> (state-dict key
/// <c>embedding.weight</c>; DiT's original calls it <c>embedding_table</c>), with one extra row, index
/// <see cref="Classes"/>, for the null class ∅ of classifier-free guidance. Labels are not differentiated, so the
/// embedding is a constant for the tangent: add the returned tensor to a <see cref="Dual"/>
/// (<c>c = tEmbedding + yEmbedding</c>) and the tangent passes through unchanged. Label dropping is the
/// objective's job, not this layer's.
/// </summary>
public sealed class LabelEmbedder : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;

    /// <summary>Creates the table, initialised with N(0, 0.02²) as DiT.</summary>
    /// <param name="classes">K, the number of classes, ≥ 1.</param>
    /// <param name="hiddenSize">D, the embedding width, ≥ 1.</param>
    /// <param name="nullClass">Whether to add a row for the null class (index <paramref name="classes"/>). The default is <c>true</c>.</param>
    /// <param name="device">Device of the table. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the table. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public LabelEmbedder(long classes, long hiddenSize, bool nullClass = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(LabelEmbedder))
    {
        Guard.Positive(classes, nameof(classes));
        Guard.Positive(hiddenSize, nameof(hiddenSize));
        Classes = classes;
        Rows = classes + (nullClass ? 1 : 0);
        embedding = nn.Embedding(Rows, hiddenSize, device: device, dtype: dtype);
        using (no_grad()) embedding.weight!.normal_(0, 0.02);
        RegisterComponents();
    }

    /// <summary>K, the number of classes; the null class, if any, is index K.</summary>
    public long Classes { get; }

    /// <summary>Rows of the table: K, plus one with a null class.</summary>
    public long Rows { get; }

    /// <summary>The table, shape (<see cref="Rows"/>, D).</summary>
    public Parameter Weight => embedding.weight!;

    /// <summary>Looks up the labels.</summary>
    /// <param name="labels">Class indices, int64, shape (B,), values in [0, <see cref="Rows"/>).</param>
    /// <returns>Shape (B, D).</returns>
    /// <exception cref="ArgumentException">The labels are not an int64 vector.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, <see cref="Rows"/>) (on the CPU; on a GPU an
    /// out-of-range index is a device-side assertion, which no library can turn into an exception).</exception>
    /// <remarks>The range is not checked before the lookup, which would read the labels back to the host on every
    /// call (a stall per forward on a GPU): the lookup itself fails on a bad index, and only then are the labels read
    /// to name the first bad value.</remarks>
    public override Tensor forward(Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1)
            throw new ArgumentException($"labels must be an int64 vector of class indices; got {labels.dtype} {Guard.Shape(labels)}.", nameof(labels));
        using var scope = NewDisposeScope();
        try
        {
            return embedding.call(labels).MoveToOuterDisposeScope();
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            var outside = labels[(labels < 0).logical_or(labels >= Rows)];
            if (outside.numel() == 0) throw;   // another native failure: not the labels' fault
            var value = outside[0].item<long>();
            throw new ArgumentOutOfRangeException(nameof(labels), value,
                $"labels must lie in [0, {Rows}){(Rows > Classes ? $" ({Classes} is the null class)" : "")}; got {value} " +
                $"({outside.numel()} of {labels.numel()} label(s) outside). {e.Message.Split('\n')[0]}");
        }
    }
}

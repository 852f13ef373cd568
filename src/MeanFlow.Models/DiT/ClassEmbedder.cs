using System;
using TorchSharp;
using TorchSharp.Modules;
using MeanFlow.Models.Layers;
using static TorchSharp.torch;

namespace MeanFlow.Models.DiT;

/// <summary>
/// The class embedding of the MeanFlow DiT, laid out like MFDiT's <c>LabelEmbedder</c>: one table
/// <c>embedding</c> of K + 1 rows, the last (index K) for the null class ∅ of classifier-free guidance
/// (state-dict key <c>embedding.weight</c>; DiT's original names it <c>embedding_table</c>, see
/// <see cref="LabelEmbedder"/>). Labels are not differentiated: the result is a constant for the tangent.
/// </summary>
public sealed class ClassEmbedder : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;

    /// <summary>Creates the table, initialised with N(0, 0.02²).</summary>
    /// <param name="classes">K, the number of classes, ≥ 1.</param>
    /// <param name="hiddenSize">D, the embedding width, ≥ 1.</param>
    /// <param name="device">Device of the table. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the table. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public ClassEmbedder(long classes, long hiddenSize, Device? device = null, ScalarType? dtype = null) : base(nameof(ClassEmbedder))
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, $"classes must be ≥ 1; got {classes}.");
        if (hiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, $"hiddenSize must be ≥ 1; got {hiddenSize}.");
        Classes = classes;
        embedding = nn.Embedding(classes + 1, hiddenSize, device: device, dtype: dtype);
        using (no_grad()) embedding.weight!.normal_(0, 0.02);
        RegisterComponents();
    }

    /// <summary>K, the number of classes; index K is the null class.</summary>
    public long Classes { get; }

    /// <summary>The table, shape (K + 1, D).</summary>
    public Parameter Weight => embedding.weight!;

    /// <summary>Looks up the labels.</summary>
    /// <param name="labels">Class indices, int64, shape (B,), in [0, K] (K is the null class).</param>
    /// <returns>Shape (B, D).</returns>
    /// <exception cref="ArgumentException">The labels are not an int64 vector.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public override Tensor forward(Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1)
            throw new ArgumentException($"labels must be an int64 vector [B]; got {labels.dtype} [{string.Join(", ", labels.shape)}].", nameof(labels));
        using var scope = NewDisposeScope();
        if (labels.numel() > 0)
        {
            long min = labels.min().item<long>(), max = labels.max().item<long>();
            if (min < 0 || max > Classes)
                throw new ArgumentOutOfRangeException(nameof(labels),
                    $"labels must lie in [0, {Classes}] ({Classes} is the null class); got values from {min} to {max}.");
        }
        return embedding.call(labels).MoveToOuterDisposeScope();
    }
}

using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// One batch of training data as the caller's data feed provides it: data and optional class labels. The
/// objective draws everything else (noise, times, label drops) from the trainer's generator.
/// </summary>
/// <remarks>
/// The trainer calls the feed inside the step's dispose scope, so tensors the feed creates for the batch are
/// freed when the step ends; tensors created earlier (a dataset held in memory) are left alone.
/// </remarks>
public sealed class TrainingBatch
{
    /// <summary>Creates a batch.</summary>
    /// <param name="data">Data before normalization, shape (B, ...), floating point, the field's dtype.</param>
    /// <param name="labels">Class labels, int64 of shape (B,), or <c>null</c> for unconditional training.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <c>null</c>.</exception>
    /// <exception cref="ArgumentException"><paramref name="data"/> is not floating point or has no batch dimension,
    /// or <paramref name="labels"/> is not int64 of shape (B,).</exception>
    public TrainingBatch(Tensor data, Tensor? labels = null)
    {
        Guard.Floating(data, nameof(data), minDims: 1);
        if (labels is not null)
        {
            if (labels.dtype != ScalarType.Int64)
                throw new ArgumentException($"labels must be an int64 tensor of class indices; got dtype {labels.dtype}.", nameof(labels));
            if (labels.dim() != 1 || labels.shape[0] != data.shape[0])
                throw new ArgumentException($"labels must have shape [{data.shape[0]}] (one per row of data); got {Guard.Shape(labels)}.", nameof(labels));
        }
        Data = data;
        Labels = labels;
    }

    /// <summary>Data before normalization, shape (B, ...).</summary>
    public Tensor Data { get; }

    /// <summary>Class labels, int64 (B,), or <c>null</c>.</summary>
    public Tensor? Labels { get; }

    /// <summary>B, the number of rows.</summary>
    public long Rows => Data.shape[0];
}

using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>
/// A dataset held as tensors: samples (N, ...) and optional class labels (N,). The readers in this namespace
/// return images as float32 (N, C, H, W) in [0, 1] with int64 labels; point sets (N, D) work the same way.
/// It is a TorchSharp <see cref="torch.utils.data.Dataset"/>, so TorchSharp's DataLoader batches and shuffles it:
/// <c>torch.utils.data.DataLoader(dataset, batchSize, shuffle: true, seed: 0, disposeDataset: false)</c> yields
/// batches {"data": (B, ...), "label": (B,)}, as TorchVision's MNIST does.
/// </summary>
/// <remarks>
/// The dataset owns its tensors: the constructor detaches them from any dispose scope and Dispose frees them.
/// Pass clones if the caller keeps using the originals. A DataLoader disposes its dataset when it is disposed
/// unless it is created with <c>disposeDataset: false</c>.
/// </remarks>
public sealed class TensorDataset : torch.utils.data.Dataset
{
    /// <summary>Creates a dataset that takes ownership of <paramref name="data"/> and <paramref name="labels"/>.</summary>
    /// <param name="data">Samples, shape (N, ...), N ≥ 1.</param>
    /// <param name="labels">Class indices, int64, shape (N,), on the device of <paramref name="data"/>; or null (unlabelled).</param>
    /// <param name="classCount">Number of classes. The default is classNames.Count if names are given, else max(labels) + 1, else 0.</param>
    /// <param name="classNames">Names of the classes, index = label; or null.</param>
    /// <exception cref="ArgumentException">Shapes, dtypes, devices or counts disagree, or a label is out of range.</exception>
    public TensorDataset(Tensor data, Tensor? labels = null, int? classCount = null, IReadOnlyList<string>? classNames = null)
    {
        Guard.NotNull(data, nameof(data));
        if (data.dim() < 1 || data.shape[0] < 1)
            throw new ArgumentException($"data must have shape (N, ...) with N ≥ 1; got {Guard.Shape(data)}.", nameof(data));
        if (classNames is not null && classCount is not null && classNames.Count != classCount)
            throw new ArgumentException($"classNames has {classNames.Count} names but classCount is {classCount}.", nameof(classNames));
        var classes = classCount ?? classNames?.Count;
        using var scope = NewDisposeScope(); // the label checks' temporaries
        if (labels is not null)
        {
            Guard.SameDevice(data, nameof(data), labels, nameof(labels));
            classes ??= (int)Math.Min(MaxLabel(labels, data.shape[0]) + 1, int.MaxValue);
            if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classCount), classes, $"classCount must be ≥ 1 for a labelled dataset; got {classes}.");
            Guard.Labels(labels, data.shape[0], classes.Value, nameof(labels));
        }
        else if (classes is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classes, $"classCount must be ≥ 0; got {classes}.");
        }
        Data = data.DetachFromDisposeScope();
        Labels = labels?.DetachFromDisposeScope();
        ClassCount = classes ?? 0;
        ClassNames = classNames?.ToArray();
    }

    /// <summary>The samples, shape (N, ...): images (N, C, H, W) in [0, 1] from the readers.</summary>
    public Tensor Data { get; }

    /// <summary>Class indices, int64, shape (N,), values in [0, <see cref="ClassCount"/>); null if unlabelled.</summary>
    public Tensor? Labels { get; }

    /// <summary>Number of classes; 0 if unknown (unlabelled and no count given).</summary>
    public int ClassCount { get; }

    /// <summary>Class names (index = label), or null.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>N, the number of samples.</summary>
    public override long Count => Data.shape[0];

    /// <summary>One sample, as TorchSharp's DataLoader asks for it.</summary>
    /// <param name="index">The row, in [0, N).</param>
    /// <returns>{"data": the sample (...), "label": its int64 label ()} (no "label" if unlabelled); views of this dataset's storage.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, N).</exception>
    public override Dictionary<string, Tensor> GetTensor(long index)
    {
        if (index < 0 || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must lie in [0, {Count}); got {index}.");
        var sample = new Dictionary<string, Tensor> { ["data"] = Data[index] };
        if (Labels is not null) sample["label"] = Labels[index];
        return sample;
    }

    /// <summary>The shape of one sample, e.g. (C, H, W).</summary>
    public long[] SampleShape => Data.shape[1..];

    /// <summary>The device the tensors live on.</summary>
    public Device Device => Data.device;

    /// <summary>How many samples carry each label.</summary>
    /// <returns>An array of length <see cref="ClassCount"/>.</returns>
    /// <exception cref="InvalidOperationException">The dataset is unlabelled.</exception>
    public long[] CountPerClass()
    {
        if (Labels is null) throw new InvalidOperationException("The dataset has no labels.");
        using var scope = NewDisposeScope();
        return bincount(Labels.cpu(), minlength: ClassCount).data<long>().ToArray();
    }

    /// <summary>Samples [start, start + length) as a dataset sharing this one's storage (no copy).</summary>
    /// <param name="start">First sample, in [0, N).</param>
    /// <param name="length">Number of samples, ≥ 1, start + length ≤ N.</param>
    /// <returns>A new dataset; dispose it separately (the storage stays alive while either exists).</returns>
    public TensorDataset Slice(long start, long length)
    {
        if (start < 0 || length < 1 || start + length > Count)
            throw new ArgumentOutOfRangeException(nameof(length), $"The slice [{start}, {start} + {length}) must be non-empty and inside [0, {Count}).");
        return new TensorDataset(Data.narrow(0, start, length), Labels?.narrow(0, start, length), ClassCount, ClassNames);
    }

    /// <summary>A copy of the dataset on another device (e.g. the GPU, so batches need no transfer).</summary>
    /// <param name="device">The target device.</param>
    /// <returns>A new dataset; this one is unchanged.</returns>
    public TensorDataset To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new TensorDataset(Data.to(device, copy: true), Labels?.to(device, copy: true), ClassCount, ClassNames);
    }

    /// <summary>Frees the tensors.</summary>
    /// <param name="disposing">True when called from Dispose.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Data.Dispose();
            Labels?.Dispose();
        }
        base.Dispose(disposing);
    }

    private static long MaxLabel(Tensor labels, long count)
    {
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != count)
            throw new ArgumentException($"labels must be an int64 tensor of shape [{count}]; got {labels.dtype} {Guard.Shape(labels)}.", nameof(labels));
        using var scope = NewDisposeScope();
        return labels.max().item<long>();
    }
}

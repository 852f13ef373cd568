using System;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>
/// One mini-batch from a <see cref="BatchLoader"/>. The loader owns it and disposes it when it moves to the
/// next batch (or the enumeration ends); clone a tensor to keep it longer.
/// </summary>
public sealed class DataBatch : IDisposable
{
    internal DataBatch(Tensor data, Tensor? labels, Tensor indices, int epoch, long index)
    {
        Data = data;
        Labels = labels;
        Indices = indices;
        Epoch = epoch;
        Index = index;
    }

    /// <summary>The samples, shape (B, ...), on the loader's device.</summary>
    public Tensor Data { get; }

    /// <summary>Class indices, int64, shape (B,), on the loader's device; null for an unlabelled dataset.</summary>
    public Tensor? Labels { get; }

    /// <summary>Which dataset rows the batch holds, int64, shape (B,), on the dataset's device.</summary>
    public Tensor Indices { get; }

    /// <summary>The epoch this batch belongs to, counting from 0.</summary>
    public int Epoch { get; }

    /// <summary>The batch's position within its epoch, counting from 0.</summary>
    public long Index { get; }

    /// <summary>B, the number of samples.</summary>
    public long Size => Data.shape[0];

    /// <summary>Frees the batch's tensors (the loader does this itself).</summary>
    public void Dispose()
    {
        Data.Dispose();
        Labels?.Dispose();
        Indices.Dispose();
    }
}

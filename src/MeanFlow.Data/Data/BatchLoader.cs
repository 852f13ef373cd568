using System;
using System.Collections;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>
/// Splits a <see cref="TensorDataset"/> into mini-batches, one epoch per enumeration, reshuffled each epoch
/// with an explicit <see cref="Generator"/>, and moves each batch to a device.
/// </summary>
/// <remarks>
/// Batch tensors are created outside any caller dispose scope and freed by the loader when the enumeration
/// moves on or ends, so a plain <c>foreach</c> leaks nothing; clone what must outlive the step.
/// With the same generator state the batch sequence is identical run to run.
/// </remarks>
public sealed class BatchLoader : IEnumerable<DataBatch>
{
    private readonly Generator? _generator;

    /// <summary>Creates a loader (it does not own the dataset or the generator).</summary>
    /// <param name="dataset">The data.</param>
    /// <param name="batchSize">Samples per batch, ≥ 1.</param>
    /// <param name="generator">Draws each epoch's permutation. The default, null, uses torch's global generator.</param>
    /// <param name="shuffle">Whether to permute the rows each epoch. The default is true.</param>
    /// <param name="dropLast">Whether to skip a final batch smaller than <paramref name="batchSize"/>. The default is false.</param>
    /// <param name="device">Where batches are delivered. The default is the dataset's device.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> &lt; 1, or drop-last would leave no batch.</exception>
    public BatchLoader(TensorDataset dataset, int batchSize, Generator? generator = null, bool shuffle = true, bool dropLast = false, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (dropLast && batchSize > dataset.Count)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"With dropLast, batchSize ({batchSize}) must not exceed the dataset size ({dataset.Count}), or an epoch has no batch.");
        Dataset = dataset;
        BatchSize = batchSize;
        _generator = generator;
        Shuffle = shuffle;
        DropLast = dropLast;
        Device = device ?? dataset.Device;
    }

    /// <summary>The data being batched.</summary>
    public TensorDataset Dataset { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether rows are permuted each epoch.</summary>
    /// <value>The default is true.</value>
    public bool Shuffle { get; }

    /// <summary>Whether a final short batch is skipped.</summary>
    /// <value>The default is false.</value>
    public bool DropLast { get; }

    /// <summary>Where batches are delivered.</summary>
    /// <value>The default is the dataset's device.</value>
    public Device Device { get; }

    /// <summary>Epochs started so far (the next epoch's number).</summary>
    public int EpochsStarted { get; private set; }

    /// <summary>Batches in one epoch: ⌊N / B⌋ with drop-last, ⌈N / B⌉ without.</summary>
    public long BatchesPerEpoch => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>Starts the next epoch: a fresh permutation and its batches.</summary>
    /// <returns>An enumerator over one epoch.</returns>
    public IEnumerator<DataBatch> GetEnumerator() => new EpochEnumerator(this, EpochsStarted++);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Epoch after epoch without end; for step-based training (stop with <c>Take</c> or <c>break</c>).</summary>
    /// <returns>An endless sequence of batches.</returns>
    public IEnumerable<DataBatch> Repeat()
    {
        while (true)
            foreach (var batch in this)
                yield return batch;
    }

    private Tensor Order()
    {
        using var scope = NewDisposeScope();
        var n = Dataset.Count;
        var order = !Shuffle
            ? arange(n, dtype: ScalarType.Int64, device: Dataset.Device)
            : _generator is null
                ? randperm(n, dtype: ScalarType.Int64, device: Dataset.Device)
                : randperm(n, dtype: ScalarType.Int64, device: _generator.device, generator: _generator).to(Dataset.Device);
        return order.DetachFromDisposeScope();
    }

    private sealed class EpochEnumerator : IEnumerator<DataBatch>
    {
        private readonly BatchLoader _loader;
        private readonly int _epoch;
        private Tensor? _order;
        private DataBatch? _current;
        private long _next;

        internal EpochEnumerator(BatchLoader loader, int epoch)
        {
            _loader = loader;
            _epoch = epoch;
        }

        public DataBatch Current => _current ?? throw new InvalidOperationException("Call MoveNext before reading Current.");

        object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            _current?.Dispose();
            _current = null;
            _order ??= _loader.Order();
            long n = _loader.Dataset.Count, start = _next * _loader.BatchSize;
            long size = Math.Min(_loader.BatchSize, n - start);
            if (size <= 0 || (_loader.DropLast && size < _loader.BatchSize)) return false;

            using var scope = NewDisposeScope();
            var indices = _order.narrow(0, start, size);
            var data = _loader.Dataset.Data.index_select(0, indices).to(_loader.Device);
            var labels = _loader.Dataset.Labels?.index_select(0, indices).to(_loader.Device);
            _current = new DataBatch(data.DetachFromDisposeScope(), labels?.DetachFromDisposeScope(),
                indices.clone().DetachFromDisposeScope(), _epoch, _next);
            _next++;
            return true;
        }

        public void Reset() => throw new NotSupportedException("Start a new epoch by enumerating the loader again.");

        public void Dispose()
        {
            _current?.Dispose();
            _current = null;
            _order?.Dispose();
            _order = null;
        }
    }
}

using MeanFlow.Guidance;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Objectives;

/// <summary>
/// A batch reordered so that the rows with r ≠ t come first: the JVP then covers one contiguous leading
/// block, a narrow view whose primal intermediates a tangent-capable field can reuse. The loss is a mean
/// over rows, so the order does not change it.
/// </summary>
internal sealed class DistinctRowsFirst
{
    private DistinctRowsFirst(Tensor x, Tensor noise, Tensor r, Tensor t, Tensor? labels, Tensor? dropMask, long distinctCount,
        Tensor? order = null)
    {
        _order = order;
        X = x;
        Noise = noise;
        R = r;
        T = t;
        Labels = labels;
        DropMask = dropMask;
        DistinctCount = distinctCount;
    }

    private readonly Tensor? _order;

    internal Tensor X { get; }
    internal Tensor Noise { get; }
    internal Tensor R { get; }
    internal Tensor T { get; }
    internal Tensor? Labels { get; }
    internal Tensor? DropMask { get; }
    internal long DistinctCount { get; }

    internal static DistinctRowsFirst Of(ObjectiveBatch batch)
    {
        // The time sampler put the r ≠ t rows first and counted them: nothing to read or reorder.
        if (batch.LeadingDistinctRows is { } leading)
            return new DistinctRowsFirst(batch.X, batch.Noise, batch.R, batch.T, batch.Labels, batch.DropMask, leading);

        // A batch from elsewhere: find those rows on the host (explicit batches are not the training hot path).
        var distinct = batch.R != batch.T;
        var k = HostRead.Int64(distinct.sum());
        var b = batch.Rows;
        // Already ordered (including all-equal and all-distinct batches): no copies.
        if (k == 0 || k == b || HostRead.Bool(distinct.narrow(0, 0, k).all()))
            return new DistinctRowsFirst(batch.X, batch.Noise, batch.R, batch.T, batch.Labels, batch.DropMask, k);

        var order = cat(new[] { HostRead.Nonzero(distinct), HostRead.Nonzero(distinct.logical_not()) }).squeeze(1);
        return new DistinctRowsFirst(
            batch.X.index_select(0, order), batch.Noise.index_select(0, order),
            batch.R.index_select(0, order), batch.T.index_select(0, order),
            batch.Labels?.index_select(0, order), batch.DropMask?.index_select(0, order), k, order);
    }

    /// <summary>Applies the batch's new row order to another per-row tensor (B, ...), e.g. the guidance of each row.</summary>
    internal Tensor Reorder(Tensor perRow) => _order is null ? perRow : perRow.index_select(0, _order);

    /// <summary>Puts per-row results back into the batch's original row order.</summary>
    internal Tensor Restore(Tensor perRow) =>
        _order is null ? perRow : zeros_like(perRow).index_copy_(0, _order, perRow);

    /// <summary>The labels the field sees: dropped rows replaced by the null class.</summary>
    internal Tensor? LabelsAfterDrop(ClassifierFreeGuidance? guidance)
    {
        if (Labels is null || DropMask is null || guidance is null) return Labels;
        return where(DropMask, full_like(Labels, guidance.NullClass), Labels);
    }
}

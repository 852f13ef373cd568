using System;
using System.Collections.Generic;
using MeanFlow.Fields;
using MeanFlow.Imaging;
using MeanFlow.Normalization;
using MeanFlow.Sampling;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>Class-conditional sampling in data space ([0, 1] images) and the per-class sample grid.</summary>
internal static class ClassSampling
{
    internal static readonly MinMaxNormalizer Normalizer = new(0.0, 1.0);

    /// <summary>Labels 0, 1, …, classes − 1, each repeated <paramref name="perClass"/> times (class-major).</summary>
    internal static Tensor Labels(int classes, int perClass, Device device) =>
        arange(classes, dtype: ScalarType.Int64, device: device).repeat_interleave(perClass);

    /// <summary>Samples for <paramref name="labels"/>, denormalized and clamped to [0, 1], in batches.</summary>
    internal static Tensor Sample(ISampler sampler, IVelocityField field, Tensor labels, Generator generator, int batchSize = 500)
    {
        var parts = new List<Tensor>();
        for (long start = 0; start < labels.shape[0]; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batchLabels = labels.narrow(0, start, Math.Min(batchSize, labels.shape[0] - start));
            var noise = randn(new[] { batchLabels.shape[0], 1L, 28, 28 }, generator: generator).to(labels.device);
            var images = Normalizer.Denormalize(sampler.Sample(field, noise, batchLabels)).clamp(0, 1);
            parts.Add(images.MoveToOuterDisposeScope());
        }
        var all = cat(parts, 0);
        foreach (var part in parts) part.Dispose();
        return all;
    }

    /// <summary>Writes a grid with one row per class.</summary>
    internal static void SaveGrid(ISampler sampler, IVelocityField field, int classes, int perClass, Device device, Generator generator, string path)
    {
        using var scope = NewDisposeScope();
        var images = Sample(sampler, field, Labels(classes, perClass, device), generator);
        ImageGrid.Save(images.cpu(), path, columns: perClass, padding: 2, padValue: 1.0);
    }
}

using System;
using System.IO;

namespace MeanFlow.Samples.Cifar10;

/// <summary>
/// Writes a CIFAR-10-format folder of synthetic images (CIFAR-10 is not available here): the five training
/// batches and the test batch, each a whole number of 3073-byte records (label, then the red, green and blue
/// 32×32 planes). The images are smooth random colour gradients with a class-dependent hue.
/// </summary>
internal static class SyntheticCifar
{
    internal static string Write(string folder, int recordsPerBatch, int seed)
    {
        var root = Path.Combine(folder, "cifar-10-batches-bin");
        Directory.CreateDirectory(root);
        var random = new Random(seed);
        foreach (var name in new[] { "data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch" })
        {
            var bytes = new byte[recordsPerBatch * MeanFlow.Data.Cifar10.RecordBytes];
            for (var r = 0; r < recordsPerBatch; r++)
            {
                var offset = r * MeanFlow.Data.Cifar10.RecordBytes;
                var label = random.Next(10);
                bytes[offset] = (byte)label;
                double gx = random.NextDouble(), gy = random.NextDouble();
                for (var c = 0; c < 3; c++)
                for (var y = 0; y < 32; y++)
                for (var x = 0; x < 32; x++)
                {
                    var value = 0.5 + 0.4 * Math.Sin(label * 0.6 + c * 2.1 + 0.2 * (gx * x + gy * y));
                    bytes[offset + 1 + c * 1024 + y * 32 + x] = (byte)Math.Clamp((int)(value * 255), 0, 255);
                }
            }
            File.WriteAllBytes(Path.Combine(root, name + ".bin"), bytes);
        }
        return root;
    }
}

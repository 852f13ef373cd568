using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using MeanFlow.Data;
using MeanFlow.Imaging;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Training;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Reliability.Fuzz;

/// <summary>Every reader of outside bytes in the packages, with small valid seeds built here (deterministically).</summary>
public static class FuzzTargets
{
    // Before All: static fields initialise in order.
    private static readonly Type[] StateDictErrors = { typeof(InvalidDataException), typeof(StateDictMismatchException) };

    /// <summary>All targets, by name.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } = new[]
    {
        new FuzzTarget("idx-images", ".idx3", IdxImageSeeds, p => IdxFile.ReadImages(p).Dispose(), new[] { typeof(InvalidDataException) }),
        new FuzzTarget("idx-labels", ".idx1", IdxLabelSeeds, p => IdxFile.ReadLabels(p).Dispose(), new[] { typeof(InvalidDataException) }),
        new FuzzTarget("cifar10", ".bin", CifarSeeds, p => Dispose(Cifar10.ReadBatches(p)), new[] { typeof(InvalidDataException) }),
        new FuzzTarget("digits-csv", ".csv", DigitsSeeds, p => Dispose(SklearnDigits.Load(p)), new[] { typeof(InvalidDataException) }),
        new FuzzTarget("image", ".img", ImageSeeds, p => ImageFile.Read(p).Dispose(),
            new[] { typeof(InvalidDataException), typeof(NotSupportedException) }),
        new FuzzTarget("statedict-torchsharp", ".dat", () => StateDictSeeds(StateDictFormat.TorchSharp), LoadStateDict, StateDictErrors, Prepare: PrepareStateDict),
        new FuzzTarget("statedict-pytorch", ".pt", () => StateDictSeeds(StateDictFormat.PyTorch), LoadStateDict, StateDictErrors, Prepare: PrepareStateDict),
        new FuzzTarget("statedict-safetensors", ".safetensors", () => StateDictSeeds(StateDictFormat.Safetensors), LoadStateDict, StateDictErrors, Prepare: PrepareStateDict),
        new FuzzTarget("checkpoint", ".ckpt", CheckpointSeeds, LoadCheckpoint, new[] { typeof(InvalidDataException) }, CheckpointFooter, PrepareCheckpoint),
    };

    /// <summary>The target called <paramref name="name"/>.</summary>
    public static FuzzTarget Named(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"No fuzz target '{name}'; known: {string.Join(", ", All.Select(t => t.Name))}.", nameof(name));

    private static void Dispose(TensorDataset data)
    {
        data.Data.Dispose();
        data.Labels?.Dispose();
    }

    // ---- IDX, CIFAR-10, digits CSV -------------------------------------------------------------------------------

    private static IReadOnlyList<byte[]> IdxImageSeeds()
    {
        var raw = Idx(IdxFile.ImagesMagic, new[] { 3, 4, 5 }, Enumerable.Range(0, 60).Select(i => (byte)(i * 4)).ToArray());
        return new[] { raw, Gzip(raw) };
    }

    private static IReadOnlyList<byte[]> IdxLabelSeeds()
    {
        var raw = Idx(IdxFile.LabelsMagic, new[] { 5 }, new byte[] { 0, 1, 2, 9, 4 });
        return new[] { raw, Gzip(raw) };
    }

    private static byte[] Idx(int magic, int[] dimensions, byte[] payload)
    {
        var result = new List<byte>();
        foreach (var value in dimensions.Prepend(magic)) result.AddRange(BitConverter.GetBytes(value).Reverse());
        result.AddRange(payload);
        return result.ToArray();
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(raw);
        return output.ToArray();
    }

    private static IReadOnlyList<byte[]> CifarSeeds()
    {
        var records = new byte[2 * Cifar10.RecordBytes];
        for (var i = 0; i < records.Length; i++) records[i] = (byte)(i * 7);
        records[0] = 3;
        records[Cifar10.RecordBytes] = 9;
        return new[] { records, records.AsSpan(0, Cifar10.RecordBytes).ToArray() };
    }

    private static IReadOnlyList<byte[]> DigitsSeeds()
    {
        string Row(int k) => string.Join(",", Enumerable.Range(0, 64).Select(i => ((i * k) % 17).ToString())) + "," + (k % 10);
        var text = string.Join("\n", Enumerable.Range(1, 3).Select(Row)) + "\n";
        return new[] { Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n").Replace(",1,", ",1.0,")) };
    }

    // ---- Images --------------------------------------------------------------------------------------------------

    private static IReadOnlyList<byte[]> ImageSeeds()
    {
        using var scope = NewDisposeScope();
        var grey = arange(30, dtype: ScalarType.Byte).reshape(1, 5, 6);
        var rgb = (arange(3 * 4 * 7, dtype: ScalarType.Int64) * 3 % 256).to(ScalarType.Byte).reshape(3, 4, 7);
        var rgba = cat(new[] { rgb, full(1, 4, 7, (byte)200, ScalarType.Byte) }, 0);
        return new[]
        {
            Encode(grey, SKEncodedImageFormat.Png), Encode(rgba, SKEncodedImageFormat.Png),
            Encode(rgba, SKEncodedImageFormat.Jpeg), Encode(rgba, SKEncodedImageFormat.Webp), Bmp(3, 2),
            // The 1×1 GIF89a every web server has served: header, palette of 2, graphics control, one LZW-coded pixel.
            Convert.FromHexString("47494638396101000100800000FFFFFF0000002C00000000010001000002024401003B"),
        };
    }

    /// <summary>uint8 (C, H, W) pixels, C = 1 (grey) or 4 (RGBA), encoded by SkiaSharp.</summary>
    private static byte[] Encode(Tensor pixels, SKEncodedImageFormat format)
    {
        int height = (int)pixels.shape[1], width = (int)pixels.shape[2];
        var interleaved = pixels.permute(1, 2, 0).contiguous().data<byte>().ToArray();
        var info = pixels.shape[0] == 1
            ? new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque)
            : new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var image = SKImage.FromPixelCopy(info, interleaved, info.RowBytes);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>A 24-bit bottom-up BMP (BITMAPINFOHEADER), rows padded to 4 bytes.</summary>
    private static byte[] Bmp(int width, int height)
    {
        var row = (3 * width + 3) / 4 * 4;
        var pixels = row * height;
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        w.Write((byte)'B'); w.Write((byte)'M'); w.Write(54 + pixels); w.Write(0); w.Write(54);
        w.Write(40); w.Write(width); w.Write(height); w.Write((short)1); w.Write((short)24); w.Write(0); w.Write(pixels);
        w.Write(2835); w.Write(2835); w.Write(0); w.Write(0);
        for (var i = 0; i < pixels; i++) w.Write((byte)(i * 37));
        w.Flush();
        return stream.ToArray();
    }

    // ---- State dicts ---------------------------------------------------------------------------------------------

    private static nn.Module StateDictModule()
    {
        var module = nn.Sequential(("linear", nn.Linear(3, 4)), ("norm", nn.LayerNorm(4)));
        using var generator = new Generator(7);
        using (no_grad())
            foreach (var p in module.parameters()) p.copy_(randn(p.shape, generator: generator));
        return module;
    }

    private static nn.Module? _stateDictModule;

    private static IReadOnlyList<byte[]> StateDictSeeds(StateDictFormat format)
    {
        var path = Path.Combine(Path.GetTempPath(), $"meanflow-fuzz-seed-{Guid.NewGuid():N}");
        try
        {
            using var module = StateDictModule();
            StateDictFile.Save(module, path, format);
            return new[] { File.ReadAllBytes(path) };
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void PrepareStateDict() => _stateDictModule ??= StateDictModule();

    private static void LoadStateDict(string path)
    {
        PrepareStateDict();
        foreach (var tensor in StateDictFile.Read(path).Values) tensor.Dispose();
        StateDictFile.Load(_stateDictModule!, path);
    }

    // ---- Training checkpoints ------------------------------------------------------------------------------------

    private static Trainer<MlpVelocityField>? _trainer;

    private static Trainer<MlpVelocityField> NewTrainer() =>
        Trainer.Create(new MlpVelocityField(2, width: 8, depth: 1, frequencies: 2), new MeanFlowObjective(),
            new TrainerOptions(10, learningRate: 1e-2, emaDecays: new[] { 0.9 }, seed: 3, logEvery: 1000));

    private static IReadOnlyList<byte[]> CheckpointSeeds()
    {
        var path = Path.Combine(Path.GetTempPath(), $"meanflow-fuzz-seed-{Guid.NewGuid():N}.ckpt");
        try
        {
            using var trainer = NewTrainer();
            using var scope = NewDisposeScope();
            using var generator = new Generator(11);
            for (var i = 0; i < 2; i++) trainer.TrainStep(new TrainingBatch(randn(new long[] { 8, 2 }, generator: generator)));
            trainer.SaveCheckpoint(path);
            return new[] { File.ReadAllBytes(path) };
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void PrepareCheckpoint() => _trainer ??= NewTrainer();

    private static void LoadCheckpoint(string path)
    {
        PrepareCheckpoint();
        TrainingCheckpoint.LoadWeights(path, _trainer!.Field);
        if (TrainingCheckpoint.ReadInfo(path).AverageDecays.Count > 0) TrainingCheckpoint.LoadWeights(path, _trainer.Field, average: 0);
        _trainer.LoadCheckpoint(path);
    }

    /// <summary>Rewrites the 16-byte footer (payload length, magic) so that a mutant reaches the parser behind the
    /// completeness check instead of failing at it every time.</summary>
    private static byte[] CheckpointFooter(byte[] bytes)
    {
        if (bytes.Length < 32) return bytes;
        var result = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(result.AsSpan(result.Length - 16), (long)(result.Length - 16));
        BitConverter.TryWriteBytes(result.AsSpan(result.Length - 8), 0x444E454B_5043464DUL);
        return result;
    }
}

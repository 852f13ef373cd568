using System.IO;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Tests;
using static MeanFlow.Models.Tests.DiT.DiTTestModels;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Checkpoints;

/// <summary>A checkpoint that does not fit fails with a message listing every problem, and leaves the module untouched.</summary>
public sealed class StateDictMismatchTests
{
    [Fact]
    public void AWrongPresetListsTheMissingAndUnexpectedKeys()
    {
        using var folder = new TempFolder();
        var path = folder.File("depth2.pt");
        using (var saved = Create(depth: 2)) StateDictFile.Save(saved, path, StateDictFormat.PyTorch);

        using var deeper = Create(depth: 3, classes: 0, seed: 4);
        var before = deeper.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        var e = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(deeper, path));
        Assert.Equal(12, e.MissingKeys.Count);                                     // every tensor of block 2
        Assert.All(e.MissingKeys, m => Assert.StartsWith("blocks.2.", m.Key));
        Assert.Equal(new[] { "y_embedder.embedding.weight" }, e.UnexpectedKeys.Select(u => u.Key));
        Assert.Empty(e.MismatchedKeys);
        Assert.Contains("12 missing, 1 unexpected, 0 mis-shaped", e.Message);
        Assert.Contains("blocks.2.attn.qkv.weight [24, 8]", e.Message);
        Assert.Contains("y_embedder.embedding.weight [4, 8]", e.Message);
        Assert.Contains(path, e.Message);
        Assert.All(before.Keys, key => Assert.True(Identical(before[key], deeper.state_dict()[key]), $"{key} changed by a failed load"));
    }

    [Fact]
    public void ARenamedKeyAndAWrongShapeAreListedWithTheirShapes()
    {
        using var folder = new TempFolder();
        using var model = Create();
        var state = model.state_dict();
        var entries = state.Select(p =>
        {
            var name = p.Key == "final_layer.linear.weight" ? "final_layer.proj.weight" : p.Key;
            var values = p.Key == "blocks.0.attn.qkv.bias" ? new double[25] : p.Value.data<double>().ToArray();
            var shape = p.Key == "blocks.0.attn.qkv.bias" ? new long[] { 25 } : p.Value.shape;
            return new SafetensorsBytes.Entry(name, "F64", shape, SafetensorsBytes.F64(values));
        }).ToList();
        var path = folder.File("edited.safetensors");
        SafetensorsBytes.Write(path, entries);

        var e = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(model, path));
        Assert.Equal("final_layer.linear.weight", Assert.Single(e.MissingKeys).Key);
        Assert.Equal(new long[] { 8, 8 }, e.MissingKeys[0].Shape);
        Assert.Equal("final_layer.proj.weight", Assert.Single(e.UnexpectedKeys).Key);
        var bad = Assert.Single(e.MismatchedKeys);
        Assert.Equal("blocks.0.attn.qkv.bias", bad.Key);
        Assert.Equal(new long[] { 24 }, bad.Expected);
        Assert.Equal(new long[] { 25 }, bad.Found);
        Assert.Contains("1 missing, 1 unexpected, 1 mis-shaped", e.Message);
        Assert.Contains("final_layer.linear.weight [8, 8]", e.Message);
        Assert.Contains("final_layer.proj.weight [8, 8]", e.Message);
        Assert.Contains("blocks.0.attn.qkv.bias: module expects [24], file has [25]", e.Message);
    }

    [Fact]
    public void NonStrictLoadingSkipsMissingAndUnexpectedKeysButNeverAWrongShape()
    {
        using var folder = new TempFolder();
        var path = folder.File("depth2.safetensors");
        using var saved = Create(depth: 2);
        StateDictFile.Save(saved, path, StateDictFormat.Safetensors);
        using var deeper = Create(depth: 3, seed: 9);
        var block2 = deeper.state_dict()["blocks.2.attn.qkv.weight"].clone();
        var result = StateDictFile.Load(deeper, path, new StateDictLoadOptions(strict: false));
        Assert.Equal(12, result.MissingKeys.Count);
        Assert.Empty(result.UnexpectedKeys);
        Assert.True(Identical(saved.state_dict()["blocks.1.mlp.fc2.weight"], deeper.state_dict()["blocks.1.mlp.fc2.weight"]));
        Assert.True(Identical(block2, deeper.state_dict()["blocks.2.attn.qkv.weight"]));

        using var wider = new MeanFlowDiT(new MeanFlowDiTConfig(ImageSize, Channels, 2, 12, 2, 2, Classes, mlpRatio: 2, frequencyDimension: 8));
        Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(wider, path, new StateDictLoadOptions(strict: false)));
    }

    [Fact]
    public void BrokenFilesRaiseClearExceptions()
    {
        using var folder = new TempFolder();
        using var model = Create();
        Assert.Throws<FileNotFoundException>(() => StateDictFile.Load(model, folder.File("absent.pt")));

        var entries = SafetensorsBytes.Entries(new SafetensorsBytes.Entry("w", "F32", new long[] { 2, 2 }, SafetensorsBytes.F32(1, 2, 3, 4)));
        SafetensorsBytes.Write(folder.File("truncated.safetensors"), entries, truncateBy: 4);
        var e = Assert.Throws<InvalidDataException>(() => StateDictFile.Read(folder.File("truncated.safetensors")));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("truncated", e.Message);

        var odd = SafetensorsBytes.Entries(new SafetensorsBytes.Entry("w", "F8_E4M3", new long[] { 2 }, new byte[2]));
        SafetensorsBytes.Write(folder.File("dtype.safetensors"), odd);
        Assert.Contains("F8_E4M3", Assert.Throws<InvalidDataException>(() => StateDictFile.Read(folder.File("dtype.safetensors"))).Message);
        Assert.Equal("entry", Assert.Throws<ArgumentException>(() => StateDictFile.Read(folder.File("dtype.safetensors"), entry: "model")).ParamName);

        File.WriteAllBytes(folder.File("legacy.pt"), new byte[] { 0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46 });
        Assert.Contains("legacy", Assert.Throws<InvalidDataException>(() => StateDictFile.Detect(folder.File("legacy.pt"))).Message);

        File.WriteAllBytes(folder.File("garbage.dat"), new byte[] { 0x05, 0xFF, 0x01, 0x02 });
        Assert.Throws<InvalidDataException>(() => StateDictFile.Load(model, folder.File("garbage.dat")));
    }
}

using System.IO;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Tests;
using static MeanFlow.Models.Tests.DiT.DiTTestModels;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Checkpoints;

public sealed class StateDictRoundTripTests
{
    [Theory]
    [InlineData(StateDictFormat.TorchSharp, "dit.dat")]
    [InlineData(StateDictFormat.PyTorch, "dit.pt")]
    [InlineData(StateDictFormat.Safetensors, "dit.safetensors")]
    public void SaveThenLoadIsBitExact(StateDictFormat format, string name)
    {
        using var folder = new TempFolder();
        var path = folder.File(name);
        using var saved = Create(seed: 1);
        using var loaded = Create(seed: 2);
        StateDictFile.Save(saved, path, format);
        Assert.Equal(format, StateDictFile.Detect(path));
        Assert.DoesNotContain(Directory.GetFiles(folder.Path), f => f.EndsWith(".tmp", System.StringComparison.Ordinal));

        var result = StateDictFile.Load(loaded, path);
        var (a, b) = (saved.state_dict(), loaded.state_dict());
        Assert.Equal(format, result.Format);
        Assert.Equal(a.Keys.OrderBy(k => k), result.LoadedKeys.OrderBy(k => k));
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.All(a.Keys, key => Assert.True(Identical(a[key], b[key]), key));
        var (z, r, t) = Inputs(new Generator(3), 2);
        Assert.True(Identical(saved.AverageVelocity(z, r, t, Labels(0, 3)), loaded.AverageVelocity(z, r, t, Labels(0, 3))));
    }

    [Fact]
    public void TheTorchSharpFormatIsTheOneOfModuleSaveAndLoad()
    {
        using var folder = new TempFolder();
        using var ours = Create(seed: 1);
        using var theirs = Create(seed: 2);
        StateDictFile.Save(ours, folder.File("ours.dat"), StateDictFormat.TorchSharp);
        theirs.load(folder.File("ours.dat"));                       // TorchSharp reads our file
        Assert.All(ours.state_dict().Keys, key => Assert.True(Identical(ours.state_dict()[key], theirs.state_dict()[key]), key));

        using var back = Create(seed: 3);
        ours.save(folder.File("theirs.dat"));                       // and we read TorchSharp's
        StateDictFile.Load(back, folder.File("theirs.dat"));
        Assert.All(ours.state_dict().Keys, key => Assert.True(Identical(ours.state_dict()[key], back.state_dict()[key]), key));
    }

    [Fact]
    public void ValuesAreConvertedToTheModulesDtype()
    {
        using var folder = new TempFolder();
        using var source = Create(seed: 1);
        StateDictFile.Save(source, folder.File("f64.safetensors"), StateDictFormat.Safetensors);
        using var single = new MeanFlowDiT(Config(), new Generator(5));             // float32
        StateDictFile.Load(single, folder.File("f64.safetensors"));
        var (a, b) = (source.state_dict(), single.state_dict());
        Assert.All(a.Keys, key => Assert.True(Identical(a[key].to(ScalarType.Float32), b[key]), key));
    }

    [Fact]
    public void ReadReturnsTheFilesTensors()
    {
        using var folder = new TempFolder();
        using var model = Create(seed: 1);
        StateDictFile.Save(model, folder.File("m.safetensors"), StateDictFormat.Safetensors);
        var tensors = StateDictFile.Read(folder.File("m.safetensors"));
        var state = model.state_dict();
        Assert.Equal(state.Keys.OrderBy(k => k), tensors.Keys.OrderBy(k => k));
        Assert.All(state.Keys, key => Assert.True(Identical(state[key], tensors[key]), key));
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }
}

using System.IO;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Tests;
using static MeanFlow.Models.Tests.DiT.DiTTestModels;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Checkpoints;

/// <summary>Files written by other software: safetensors bytes written by hand, and PyTorch files written by PyTorch
/// (Fixtures/make_mfdit_fixture.py, run once with Debian's PyTorch 1.13.1; the outputs are committed).</summary>
public sealed class ForeignCheckpointTests
{
    /// <summary>The fixture's network: MFDiT's layout with (t, r) embedders, 256 frequencies, MLP ratio 4.</summary>
    private static MeanFlowDiT FixtureModel(TimeConditioning conditioning = TimeConditioning.TimeAndStart) =>
        new(new MeanFlowDiTConfig(4, 2, 2, 8, 2, 2, classes: 3, conditioning: conditioning), new Generator(1), dtype: ScalarType.Float64);

    [Fact]
    public void HandWrittenSafetensorsLoadWithTheirValues()
    {
        using var folder = new TempFolder();
        var path = folder.File("linear.safetensors");
        SafetensorsBytes.Write(path, SafetensorsBytes.Entries(
            new SafetensorsBytes.Entry("weight", "F32", new long[] { 2, 3 }, SafetensorsBytes.F32(1f, -2f, 3.5f, 0.25f, 1e-3f, -7f)),
            new SafetensorsBytes.Entry("bias", "F64", new long[] { 2 }, SafetensorsBytes.F64(0.5, -0.125))));
        Assert.Equal(StateDictFormat.Safetensors, StateDictFile.Detect(path));
        using var linear = new DualLinear(3, 2, dtype: ScalarType.Float32);
        StateDictFile.Load(linear, path);
        Assert.Equal(new[] { 1f, -2f, 3.5f, 0.25f, 1e-3f, -7f }, linear.Weight.data<float>().ToArray());
        Assert.Equal(new[] { 0.5f, -0.125f }, linear.Bias!.data<float>().ToArray());      // F64 converted to the module's float32
    }

    [Fact]
    public void AHandWrittenSafetensorsDiTCheckpointLoadsEveryTensor()
    {
        using var folder = new TempFolder();
        using var model = Create(perturbation: 0);
        var state = model.state_dict();
        var expected = new Dictionary<string, double[]>();
        var start = 0.0;
        var entries = new List<SafetensorsBytes.Entry>();
        foreach (var (key, tensor) in state)
        {
            var values = Enumerable.Range(0, (int)tensor.numel()).Select(i => start + 0.001 * i).ToArray();
            start += 1;
            expected[key] = values;
            entries.Add(new SafetensorsBytes.Entry(key, "F64", tensor.shape, SafetensorsBytes.F64(values)));
        }
        SafetensorsBytes.Write(folder.File("dit.safetensors"), entries);
        StateDictFile.Load(model, folder.File("dit.safetensors"));
        foreach (var (key, tensor) in model.state_dict())
            Assert.Equal(expected[key], tensor.data<double>().ToArray());
    }

    [Fact]
    public void APyTorchCheckpointReproducesPyTorchsOutput()
    {
        using var model = FixtureModel();
        var result = StateDictFile.Load(model, Fixtures.File("mfdit_tiny.pt"));
        Assert.Equal(StateDictFormat.PyTorch, result.Format);
        Assert.Equal(model.state_dict().Count, result.LoadedKeys.Count);
        var io = StateDictFile.Read(Fixtures.File("mfdit_tiny_io.pt"));
        var u = model.AverageVelocity(io["z"], io["r"], io["t"], io["y"]);       // MFDiT's forward(x, t, r, y)
        Assert.True(io["u"].abs().max().ToDouble() > 0.1);
        AssertClose(u, io["u"], 1e-12, "u against PyTorch");
    }

    [Fact]
    public void APyTorchCheckpointOfAnotherConditioningIsRefused()
    {
        // MFDiT embeds (t, r); the default model embeds (t, t − r). Loading must not silently reinterpret r_embedder.
        using var model = FixtureModel(TimeConditioning.TimeAndInterval);
        var e = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(model, Fixtures.File("mfdit_tiny.pt")));
        Assert.All(e.MissingKeys, m => Assert.StartsWith("interval_embedder.", m.Key));
        Assert.All(e.UnexpectedKeys, m => Assert.StartsWith("r_embedder.", m.Key));
        Assert.Equal((4, 4), (e.MissingKeys.Count, e.UnexpectedKeys.Count));
    }

    [Fact]
    public void AnEntryOfATrainingCheckpointIsChosenByName()
    {
        var path = Fixtures.File("mfdit_tiny_nested.pt");
        using var plain = FixtureModel();
        var e = Assert.Throws<InvalidDataException>(() => StateDictFile.Load(plain, path));
        Assert.Contains("StateDictLoadOptions.Entry", e.Message);
        Assert.Contains("'ema'", e.Message);

        using var model = FixtureModel();
        StateDictFile.Load(model, path, new StateDictLoadOptions(entry: "model"));
        using var ema = FixtureModel();
        StateDictFile.Load(ema, path, new StateDictLoadOptions(entry: "ema"));
        var (a, b) = (model.state_dict(), ema.state_dict());
        Assert.All(a.Keys, key => Assert.True(Identical(a[key] * 0.5, b[key]), key));
        Assert.Throws<InvalidDataException>(() => StateDictFile.Load(ema, path, new StateDictLoadOptions(entry: "optimizer")));
    }

    [Fact]
    public void APrefixIsStrippedFromTheKeys()
    {
        using var folder = new TempFolder();
        using var model = Create(seed: 1);
        var prefixed = model.state_dict().ToDictionary(p => "module." + p.Key, p => p.Value);
        var path = folder.File("ddp.pt");
        using (var stream = File.Create(path)) TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, prefixed);
        using var other = Create(seed: 2);
        Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(other, path));
        StateDictFile.Load(other, path, new StateDictLoadOptions(stripPrefix: "module."));
        Assert.All(model.state_dict().Keys, key => Assert.True(Identical(model.state_dict()[key], other.state_dict()[key]), key));
    }
}

using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using MeanFlow.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Runtime;

/// <summary>The test host runs the libLibTorchSharp.so it should: patched exactly where needed, TorchSharp's elsewhere.</summary>
public class LoadedNativeLibraryTests
{
    [LinuxFact]
    public void LoadedLibraryIsOriginalOrDiffersOnlyInWeakFlagsOfMissingVersions()
    {
        string loaded = TorchSharpFiles.Loaded(), original = TorchSharpFiles.Original();
        var defined = ElfImage.Read(TorchSharpFiles.LibStdCxx()).DefinedVersions();
        var missing = ElfImage.Read(original).VersionNeeds()
            .Where(n => n.File == "libstdc++.so.6" && !n.IsWeak && !defined.Contains(n.Version))
            .ToArray();
        byte[] a = File.ReadAllBytes(original), b = File.ReadAllBytes(loaded);

        if (missing.Length == 0)
        {
            Assert.True(a.AsSpan().SequenceEqual(b), $"this libstdc++ has every version {original} needs, so {loaded} must be byte-identical to it");
            return;
        }
        Assert.NotEqual(Path.GetFullPath(original), Path.GetFullPath(loaded));
        Assert.False(loaded.StartsWith(TorchSharpFiles.PackagesRoot, StringComparison.Ordinal), $"{loaded} is in the NuGet cache");
        Assert.Equal(a.Length, b.Length);
        var differing = Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).Select(i => (long)i).ToArray();
        // vna_flags is a little-endian ushort; VER_FLG_WEAK (2) lives in its low byte.
        Assert.Equal(missing.Select(n => n.FlagsOffset).OrderBy(o => o), differing);
        foreach (var need in missing)
            Assert.Equal(a[need.FlagsOffset] | ElfImage.VerFlagWeak, b[need.FlagsOffset]);
    }

    [Fact]
    public void DoubleBackwardMatchesClosedFormSecondDerivative()
    {
        using var scope = NewDisposeScope();
        // f(w) = Σ w³ sin w, so ∂²f/∂w_i² = −w³ sin w + 6w² cos w + 6w sin w (and the Hessian is diagonal).
        var w = linspace(-3, 3, 25, dtype: float64).requires_grad_(true);
        var f = (w.pow(3) * w.sin()).sum();
        var gradient = autograd.grad(new[] { f }, new[] { w }, retain_graph: true, create_graph: true, allow_unused: true)[0];
        var second = autograd.grad(new[] { gradient.sum() }, new[] { w }, retain_graph: false, create_graph: false, allow_unused: true)[0];

        var x = w.detach();
        TestTensors.AssertClose(gradient.detach(), x.pow(3) * x.cos() + 3 * x.pow(2) * x.sin(), 1e-14, "first derivative");
        TestTensors.AssertClose(second, -x.pow(3) * x.sin() + 6 * x.pow(2) * x.cos() + 6 * x * x.sin(), 1e-13, "second derivative");
    }

    [Fact]
    public void EnsureLoadedIsIdempotentAndThreadSafe()
    {
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => TorchRuntime.EnsureLoaded());
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        Assert.Equal(6.0, arange(4, dtype: float64).sum().item<double>());
    }
}

using System.Threading.Tasks;
using MeanFlow.Runtime;

namespace MeanFlow.Tests.Runtime;

/// <summary>TorchSharp's native backend loads in this test host (patched by MeanFlow.GlibcxxFix where needed) and computes.</summary>
public class TorchRuntimeTests
{
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

using MeanFlow.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static MeanFlow.Models.Tests.Layers.TangentCheck;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Layers;

// The example of docs/articles/tangent-layers.md, compiled and checked here so that the article stays true.

/// <summary>y = a ⊙ tanh(x) with a learned per-feature amplitude a; dy = a ⊙ (1 − tanh²(x)) ⊙ dx.</summary>
public sealed class ScaledTanh : nn.Module<Dual, Dual>
{
    private readonly Parameter weight;

    public ScaledTanh(long features) : base(nameof(ScaledTanh))
    {
        weight = new Parameter(ones(features));
        RegisterComponents();
    }

    public override Dual forward(Dual x)
    {
        using var scope = NewDisposeScope();
        var tanh = x.Primal.tanh();                       // primal intermediate, reused below
        var y = tanh * weight;                            // the plain forward, identical with or without tangent
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);

        Tensor dy;
        using (no_grad())                                 // the tangent is stop-gradient: no graph
        {
            var leading = tanh.narrow(0, 0, x.TangentRows);   // the K rows that have a tangent (a view)
            dy = leading.square().neg_().add_(1)              // 1 − tanh², a new tensor: in place is safe
                        .mul_(weight).mul_(x.Tangent);        // never modify x.Tangent or tanh in place
        }
        return new Dual(y, dy).MoveToOuter(scope);
    }
}

public sealed class CustomLayerExampleTests
{
    [Fact]
    public void TheArticlesExampleLayerIsExact()
    {
        using var layer = new ScaledTanh(6);
        layer.to(ScalarType.Float64);
        var x = Normal(Seeded(1), 5, 3, 6);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }
}

using MeanFlow.Fields;
using TorchSharp.Modules;

namespace MeanFlow.Tests.Training;

/// <summary>
/// A test-only field: u(z, r, t) = W₂·tanh(W₁·[z, r, t] + b₁) + b₂ in float64, initialised from a seed. Switches
/// make it return NaN (<see cref="Poisoned"/>) or a finite output whose gradient is infinite
/// (<see cref="InfiniteGradient"/>), to test the trainer's divergence checks.
/// </summary>
internal sealed class TinyField : nn.Module, IVelocityField
{
    private readonly Linear hidden;
    private readonly Linear output;

    internal TinyField(int dimension = 2, int width = 16, ulong seed = 1, ScalarType dtype = ScalarType.Float64) : base(nameof(TinyField))
    {
        hidden = nn.Linear(dimension + 2, width, dtype: dtype);
        output = nn.Linear(width, dimension, dtype: dtype);
        RegisterComponents();
        using var generator = new Generator(seed);
        using (no_grad())
        {
            foreach (var p in parameters())
                p.copy_(randn(p.shape, dtype: dtype, generator: generator) * 0.5);
        }
    }

    /// <summary>Adds NaN to the output.</summary>
    internal bool Poisoned { get; set; }

    /// <summary>Adds √(b₂ − sg(b₂)) = 0 to the output, whose derivative in b₂ is infinite.</summary>
    internal bool InfiniteGradient { get; set; }

    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        var u = output.call(tanh(hidden.call(cat(new[] { z, r.unsqueeze(1), t.unsqueeze(1) }, 1))));
        if (Poisoned) u = u + double.NaN;
        if (InfiniteGradient) u = u + sqrt(output.bias! - output.bias!.detach());
        return u.MoveToOuterDisposeScope();
    }
}

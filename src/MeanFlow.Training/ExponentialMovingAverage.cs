using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// An exponential moving average of a module's parameters, θ_ema ← β·θ_ema + (1 − β)·θ, kept as a
/// detached copy (buffers are copied as they are). Usable from any training loop: call
/// <see cref="Update"/> after each optimizer step and <see cref="CopyTo"/> to evaluate with the average.
/// </summary>
/// <remarks>
/// With <see cref="Warmup"/> the decay used at update n is min(β, (1 + n) / (10 + n)), so
/// that early averages are not dominated by the random initialisation.
/// </remarks>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly (string Name, Tensor Shadow)[] _parameters;
    private readonly (string Name, Tensor Shadow)[] _buffers;

    /// <summary>Starts the average at the module's current parameters.</summary>
    /// <param name="module">The module being trained.</param>
    /// <param name="decay">β in [0, 1). The default is 0.9999 (the paper's).</param>
    /// <param name="warmup">Whether to ramp the decay up over the first updates. The default is true.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="decay"/> is outside [0, 1).</exception>
    public ExponentialMovingAverage(nn.Module module, double decay = 0.9999, bool warmup = true)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(module);
        if (!(decay >= 0 && decay < 1))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, $"decay must lie in [0, 1); got {Guard.Format(decay)}.");
        Decay = decay;
        Warmup = warmup;
        using (no_grad())
        {
            _parameters = module.named_parameters().Select(p => (p.name, p.parameter.detach().clone().DetachFromDisposeScope())).ToArray();
            _buffers = module.named_buffers().Select(b => (b.name, b.buffer.detach().clone().DetachFromDisposeScope())).ToArray();
        }
    }

    /// <summary>β, the decay.</summary>
    public double Decay { get; }

    /// <summary>Whether the decay ramps up as min(β, (1 + n) / (10 + n)).</summary>
    public bool Warmup { get; }

    /// <summary>How many updates have been applied.</summary>
    public long Updates { get; set; }

    /// <summary>The decay the next update will use.</summary>
    public double CurrentDecay => Warmup ? Math.Min(Decay, (1.0 + Updates) / (10.0 + Updates)) : Decay;

    /// <summary>Folds the module's current parameters into the average.</summary>
    /// <param name="module">The module the average was created from (same parameter names and shapes).</param>
    public void Update(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var beta = CurrentDecay;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var current = module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (name, shadow) in _parameters)
            shadow.lerp_(Lookup(current, name).detach(), 1 - beta);
        var buffers = module.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, shadow) in _buffers)
            shadow.copy_(Lookup(buffers, name));
        Updates++;
    }

    /// <summary>Copies the averaged parameters (and buffers) into a module of the same architecture.</summary>
    /// <param name="module">The destination, e.g. a separate evaluation copy or the training module itself.</param>
    public void CopyTo(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var noGrad = no_grad();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (name, shadow) in _parameters) Lookup(parameters, name).copy_(shadow);
        var buffers = module.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, shadow) in _buffers) Lookup(buffers, name).copy_(shadow);
    }

    /// <summary>The averaged tensors by parameter or buffer name (for checkpoints).</summary>
    /// <returns>A name → tensor map; the tensors belong to this instance.</returns>
    public IReadOnlyDictionary<string, Tensor> StateDict() =>
        _parameters.Concat(_buffers).ToDictionary(p => p.Name, p => p.Shadow);

    /// <summary>Replaces the averaged tensors with saved ones, e.g. from a checkpoint (the inverse of <see cref="StateDict"/>).
    /// Everything is checked before anything is copied.</summary>
    /// <param name="state">Name → tensor, with exactly this average's names and shapes (any dtype and device: values are copied).</param>
    /// <exception cref="ArgumentException">A name is missing or unknown, or a shape differs.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var match = new StateDictMatch(_parameters.Concat(_buffers), state);
        match.ThrowUnlessExact("The saved average", "this average", nameof(state));
        match.CopyShared();
    }

    private static Tensor Lookup(Dictionary<string, Tensor> tensors, string name) =>
        tensors.TryGetValue(name, out var tensor)
            ? tensor
            : throw new ArgumentException($"The module has no parameter or buffer named '{name}'; is it the module this average was made from?", "module");

    /// <summary>Frees the averaged tensors.</summary>
    public void Dispose()
    {
        foreach (var (_, shadow) in _parameters.Concat(_buffers)) shadow.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"EMA(β = {Decay}, updates {Updates})");
}

using System;
using MeanFlow.Fields;
using MeanFlow.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Benchmarks;

/// <summary>Generating one batch of 32 images from fixed noise: 1-NFE MeanFlow or 50-step Euler flow matching.</summary>
internal sealed class SamplingWorkload : IDisposable
{
    internal const ulong NoiseSeed = 11;

    private readonly nn.Module _model;
    private readonly IVelocityField _field;
    private readonly ISampler _sampler;
    private readonly Tensor _noise;

    /// <param name="backbone">The network.</param>
    /// <param name="meanFlow">true: MeanFlowSampler(1); false: OdeSampler(EulerSolver, 50).</param>
    internal SamplingWorkload(Backbone backbone, bool meanFlow)
    {
        _model = Backbones.Create(backbone);
        _model.eval();
        _field = (IVelocityField)_model;
        _sampler = meanFlow ? new MeanFlowSampler(1) : new OdeSampler(new EulerSolver(), 50);
        _noise = randn(Backbones.BatchShape, generator: new Generator(NoiseSeed));
    }

    internal int FunctionEvaluations => _sampler switch
    {
        MeanFlowSampler m => m.FunctionEvaluations,
        OdeSampler o => o.FunctionEvaluations,
        _ => 0,
    };

    internal void Sample()
    {
        using var scope = NewDisposeScope();
        _sampler.Sample(_field, _noise);
    }

    public void Dispose()
    {
        _model.Dispose();
        _noise.Dispose();
    }
}

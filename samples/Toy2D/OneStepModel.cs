using System;
using System.Collections.Generic;
using MeanFlow.Fields;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using MeanFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Toy2D;

/// <summary>The toy's one-step model — a field, its trainer and how a <see cref="MeanFlowSampler"/> samples it — behind one
/// type, so that MeanFlow's single-head MLP and improved MeanFlow's two-head MLP run through the same experiment.</summary>
internal abstract class OneStepModel : IDisposable
{
    internal static OneStepModel Of<TField>(TField field, IObjective objective, TrainerOptions options,
        Func<MeanFlowSampler, TField, Tensor, Tensor> sample) where TField : nn.Module, IVelocityField =>
        new Typed<TField>(Trainer.Create(field, objective, options), sample);

    /// <summary>The trainer's metric sinks.</summary>
    internal abstract IList<IProgress<TrainingMetrics>> Progress { get; }

    /// <summary>Trains to the end on the batches of <paramref name="batchAt"/>.</summary>
    internal abstract void Run(Func<long, TrainingBatch?> batchAt);

    /// <summary>Puts the averaged weights in place until disposed.</summary>
    internal abstract IDisposable UseAverage();

    /// <summary>Samples from <paramref name="noise"/>.</summary>
    internal abstract Tensor Sample(MeanFlowSampler sampler, Tensor noise);

    public abstract void Dispose();

    private sealed class Typed<TField>(Trainer<TField> trainer, Func<MeanFlowSampler, TField, Tensor, Tensor> sample) : OneStepModel
        where TField : nn.Module, IVelocityField
    {
        internal override IList<IProgress<TrainingMetrics>> Progress => trainer.Progress;

        internal override void Run(Func<long, TrainingBatch?> batchAt) => trainer.Run(batchAt);

        internal override IDisposable UseAverage() => trainer.UseAverage();

        internal override Tensor Sample(MeanFlowSampler sampler, Tensor noise) => sample(sampler, trainer.Field, noise);

        public override void Dispose() => trainer.Dispose();
    }
}

using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// Swaps an average's weights into the training module, in evaluation mode, until disposed; then restores the
/// training weights bit for bit and the previous mode. Lets a sampling hook use the average without a second
/// copy of the model.
/// </summary>
internal sealed class AveragedWeights : IDisposable
{
    private readonly nn.Module _module;
    private readonly (Tensor Target, Tensor Saved)[] _saved;
    private readonly bool _wasTraining;
    private bool _disposed;

    internal AveragedWeights(nn.Module module, ExponentialMovingAverage average)
    {
        _module = module;
        _wasTraining = module.training;
        using (no_grad())
        {
            _saved = module.parameters().Select(p => (Tensor)p).Concat(module.buffers())
                .Select(t => (t, t.detach().clone().DetachFromDisposeScope())).ToArray();
        }
        average.CopyTo(module);
        module.eval();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        using (no_grad())
        {
            foreach (var (target, saved) in _saved)
            {
                target.copy_(saved);
                saved.Dispose();
            }
        }
        _module.train(_wasTraining);
    }
}

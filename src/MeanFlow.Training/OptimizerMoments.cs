using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MeanFlow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// The state of an Adam or AdamW optimizer as a checkpoint stores it: per parameter its step count and its moments
/// (<c>i.exp_avg</c>, <c>i.exp_avg_sq</c>, and <c>i.max_exp_avg_sq</c> under AMSGrad), read back into the optimizer's
/// existing tensors after every name and shape is checked. (TorchSharp's own optimizer format allocates whatever
/// dtype and shape a file declares for optional moments, and aborts in native code on a bad dtype, so a checkpoint
/// from outside must not reach it.) Hyperparameters are not stored: the trainer sets them from its options.
/// </summary>
internal static class OptimizerMoments
{
    internal static void Write(BinaryWriter writer, optim.Optimizer optimizer)
    {
        var states = States(optimizer);
        writer.Write(states.Count);
        foreach (var state in states) writer.Write(state.Step);
        NamedTensors.Write(writer, Moments(states));
    }

    /// <exception cref="InvalidDataException">The stored state does not fit the optimizer, or is malformed.</exception>
    internal static void Read(BinaryReader reader, optim.Optimizer optimizer)
    {
        var states = States(optimizer);
        var count = BoundedRead.Count(reader, 8, "The optimizer state");
        if (count != states.Count)
            throw new InvalidDataException($"The optimizer state covers {count} parameter(s); the trainer's optimizer has {states.Count}.");
        var steps = new long[count];
        for (var i = 0; i < count; i++)
        {
            steps[i] = reader.ReadInt64();
            if (steps[i] < 0) throw new InvalidDataException($"The optimizer step count of parameter {i} is {steps[i]}.");
        }
        var saved = NamedTensors.Read(reader);
        var match = new StateDictMatch(Moments(states), saved);
        try
        {
            match.ThrowUnlessExact("The saved optimizer state", "the trainer's optimizer", nameof(optimizer));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        match.CopyShared();
        for (var i = 0; i < count; i++) states[i].Step = steps[i];
    }

    private static IReadOnlyList<(string Name, Tensor Tensor)> Moments(IReadOnlyList<State> states) =>
        states.SelectMany((s, i) => s.Moments.Select(m => ($"{i}.{m.Name}", m.Tensor))).ToList();

    private static List<State> States(optim.Optimizer optimizer) =>
        ((OptimizerHelper)optimizer).state_dict().State.Select(s => s switch
        {
            Adam.State adam => new State(adam),
            AdamW.State adamW => new State(adamW),
            _ => throw new NotSupportedException($"Checkpoints store Adam and AdamW state; the optimizer's state is a {s.GetType().Name}."),
        }).ToList();

    /// <summary>Adam's and AdamW's per-parameter state, which TorchSharp keeps in two unrelated classes.</summary>
    private sealed class State
    {
        private readonly Adam.State? _adam;
        private readonly AdamW.State? _adamW;

        internal State(Adam.State adam) => _adam = adam;

        internal State(AdamW.State adamW) => _adamW = adamW;

        internal long Step
        {
            get => _adam?.step ?? _adamW!.step;
            set
            {
                if (_adam is not null) _adam.step = value;
                else _adamW!.step = value;
            }
        }

        internal IEnumerable<(string Name, Tensor Tensor)> Moments
        {
            get
            {
                var (average, square, maximum) = _adam is not null
                    ? (_adam.exp_avg, _adam.exp_avg_sq, _adam.max_exp_avg_sq)
                    : (_adamW!.exp_avg, _adamW.exp_avg_sq, _adamW.max_exp_avg_sq);
                yield return ("exp_avg", average);
                yield return ("exp_avg_sq", square);
                if (maximum is not null) yield return ("max_exp_avg_sq", maximum);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// Name → tensor maps in checkpoint files. Values are copied into a module's existing tensors (never replacing
/// them), so the optimizer keeps its references to the parameters, and on any device; every name and shape is
/// checked before anything is copied.
/// </summary>
internal static class NamedTensors
{
    /// <summary>The module's parameters and buffers by name (the names <see cref="ExponentialMovingAverage"/> uses).</summary>
    internal static IReadOnlyList<(string Name, Tensor Tensor)> Of(nn.Module module) =>
        module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, b.buffer))).ToList();

    internal static void Write(BinaryWriter writer, IReadOnlyCollection<(string Name, Tensor Tensor)> tensors)
    {
        using var scope = NewDisposeScope();
        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            writer.Write(name);
            tensor.detach().cpu().Save(writer);
        }
    }

    /// <summary>Reads a map written by <see cref="Write"/>; the tensors are on the CPU, in the current dispose scope.</summary>
    internal static Dictionary<string, Tensor> Read(BinaryReader reader)
    {
        // An entry takes at least 3 bytes: an empty name's length, a dtype code and a rank.
        var count = BoundedRead.Count(reader, 3, "A tensor map");
        var tensors = new Dictionary<string, Tensor>();
        for (var i = 0; i < count; i++)
        {
            var name = BoundedRead.String(reader, $"The name of tensor {i}");
            if (!tensors.TryAdd(name, BoundedRead.Tensor(reader, $"The tensor '{name}'")))
                throw new InvalidDataException($"A tensor map holds '{name}' twice.");
        }
        return tensors;
    }

    /// <summary>Copies saved values into the module's parameters and buffers, after checking names and shapes.</summary>
    /// <exception cref="ArgumentException">A name is missing or unknown, or a shape differs.</exception>
    internal static void CopyInto(nn.Module module, IReadOnlyDictionary<string, Tensor> saved)
    {
        var match = new StateDictMatch(Of(module), saved);
        match.ThrowUnlessExact("The saved model", "the module", nameof(module));
        match.CopyShared();
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Training;

public static partial class TrainingCheckpoint
{
    /// <summary>Restores a trainer's state. The head is checked against the trainer before anything is changed;
    /// a file that fails later (corrupt tensors) leaves the trainer partly loaded.</summary>
    internal static (long Step, TimeSpan Elapsed) Read(string path, Generator generator, nn.Module field,
        IReadOnlyList<ExponentialMovingAverage> averages, optim.Optimizer optimizer, OptimizerKind kind, long totalSteps)
    {
        using var scope = NewDisposeScope();
        using var reader = Open(path);
        var info = new CheckpointInfo(ReadHead(reader, path));
        if (info.AverageDecays.Count != averages.Count)
            throw new InvalidDataException($"'{path}' holds {info.AverageDecays.Count} average(s) but the trainer keeps {averages.Count}; use the same emaDecays.");
        if (info.Options.Optimizer != kind)
            throw new InvalidDataException($"'{path}' was written by an {info.Options.Optimizer} run but the trainer uses {kind}.");

        if (info.Step > totalSteps)
            throw new InvalidDataException($"'{path}' is at step {info.Step}, beyond this run's totalSteps = {totalSteps}.");

        var step = reader.ReadInt64();
        var elapsed = TimeSpan.FromTicks(reader.ReadInt64());
        var generatorState = Tensor.Load(reader);
        var weights = NamedTensors.Read(reader);
        var count = reader.ReadInt32();
        var states = new List<(IReadOnlyDictionary<string, Tensor> State, long Updates)>();
        for (var i = 0; i < count; i++)
        {
            var updates = reader.ReadInt64();
            states.Add((NamedTensors.Read(reader), updates));
        }
        Rethrow(path, () => NamedTensors.CopyInto(field, weights));
        for (var i = 0; i < count; i++)
        {
            var (state, updates) = states[i];
            Rethrow(path, () => averages[i].LoadStateDict(state));
            averages[i].Updates = updates;
        }
        Rethrow(path, () => ((OptimizerHelper)optimizer).load_state_dict(reader));
        if (reader.BaseStream.Position != reader.BaseStream.Length - FooterBytes)
            throw new InvalidDataException($"'{path}' has {reader.BaseStream.Length - FooterBytes - reader.BaseStream.Position} unread byte(s) before its footer; it was not written by this version or does not match the trainer.");
        generator.set_state(generatorState);
        return (step, elapsed);
    }

    /// <summary>Opens a checkpoint after checking that its footer is present (the file is complete).</summary>
    private static BinaryReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        try
        {
            var length = stream.Length;
            if (length < FooterBytes) throw Incomplete(path);
            stream.Seek(-FooterBytes, SeekOrigin.End);
            var footer = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            var payload = footer.ReadInt64();
            if (footer.ReadUInt64() != FooterMagic || payload != length - FooterBytes) throw Incomplete(path);
            stream.Seek(0, SeekOrigin.Begin);
            return new BinaryReader(stream, Encoding.UTF8, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static InvalidDataException Incomplete(string path) =>
        new($"'{path}' is not a complete MeanFlow.NET checkpoint (its footer is missing: truncated, or another format).");

    private static JsonObject ReadHead(BinaryReader reader, string path)
    {
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException($"'{path}' is not a MeanFlow.NET checkpoint.");
            var version = reader.ReadInt32();
            if (version != Version)
                throw new InvalidDataException($"'{path}' has checkpoint format version {version}; this library reads version {Version}.");
            return JsonNode.Parse(reader.ReadString())?.AsObject() ?? throw new InvalidDataException($"'{path}' has an empty head.");
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{path}' has a malformed head: {e.Message}", e);
        }
    }

    /// <summary>Turns a mismatch reported by TorchSharp or the average into an error that names the file.</summary>
    private static void Rethrow(string path, Action load)
    {
        try { load(); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' does not match the trainer or module: {e.Message}", e);
        }
    }
}

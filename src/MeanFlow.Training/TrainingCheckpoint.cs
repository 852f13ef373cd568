using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFlow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>
/// Checkpoint files: one file holding a JSON head (run configuration, step, caller metadata), the generator
/// state, the field's parameters and buffers, every exponential moving average, the optimizer state, and a
/// footer that proves the file is complete. Files are written to a temporary name in the same folder,
/// flushed to disk and renamed over the target, so a crash mid-write leaves the previous checkpoint intact.
/// </summary>
public static class TrainingCheckpoint
{
    private const string Magic = "MeanFlow.NET training checkpoint";
    private const int Version = 1;
    private const ulong FooterMagic = 0x444E454B_5043464D; // "MFCPKEND", little-endian
    private const int FooterBytes = 16;

    /// <summary>Reads the JSON head of a checkpoint (step, options, average decays, metadata).</summary>
    /// <param name="path">A checkpoint file.</param>
    /// <returns>The description.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a complete checkpoint of this format.</exception>
    public static CheckpointInfo ReadInfo(string path)
    {
        using var reader = Open(path);
        return new CheckpointInfo(ReadHead(reader, path));
    }

    /// <summary>Loads a checkpoint's weights into a module of the same architecture, for sampling or evaluation:
    /// the trained parameters, or those of one of the exponential moving averages.</summary>
    /// <param name="path">A checkpoint file.</param>
    /// <param name="module">Destination, with the parameter and buffer names and shapes of the trained field.</param>
    /// <param name="average">Index into <see cref="CheckpointInfo.AverageDecays"/>, or <c>null</c> for the trained weights.</param>
    /// <exception cref="InvalidDataException">The file is not a complete checkpoint, or does not match the module.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="average"/> is not an index of a stored average.</exception>
    public static void LoadWeights(string path, nn.Module module, int? average = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = NewDisposeScope();
        using var reader = Open(path);
        var head = ReadHead(reader, path);
        var count = head["averages"]!.AsArray().Count;
        if (average is { } index && (index < 0 || index >= count))
            throw new ArgumentOutOfRangeException(nameof(average), index, $"average must lie in [0, {count}) for the {count} average(s) in '{path}'; got {index}.");
        reader.ReadInt64();                 // step
        reader.ReadInt64();                 // elapsed ticks
        Tensor.Load(reader);                // generator state
        var weights = NamedTensors.Read(reader);
        if (average is { } chosen)
        {
            reader.ReadInt32();
            for (var i = 0; i <= chosen; i++)
            {
                reader.ReadInt64();         // updates
                weights = NamedTensors.Read(reader);
            }
        }
        Rethrow(path, () => NamedTensors.CopyInto(module, weights));
    }

    /// <summary>Test seam: called after the model is written, to simulate a crash mid-write.</summary>
    internal static Action? FaultAfterModel { get; set; }

    internal static void Write(string path, JsonObject head, long step, TimeSpan elapsed, Generator generator,
        nn.Module field, IReadOnlyList<ExponentialMovingAverage> averages, optim.Optimizer optimizer) =>
        AtomicFile.Write(path, stream =>
        {
            using var scope = NewDisposeScope();
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(head.ToJsonString());
            writer.Write(step);
            writer.Write(elapsed.Ticks);
            generator.get_state().cpu().Save(writer);
            NamedTensors.Write(writer, NamedTensors.Of(field).ToList());
            FaultAfterModel?.Invoke();
            writer.Write(averages.Count);
            foreach (var average in averages)
            {
                writer.Write(average.Updates);
                NamedTensors.Write(writer, average.StateDict().Select(p => (p.Key, p.Value)).ToList());
            }
            ((OptimizerHelper)optimizer).save_state_dict(writer);
            writer.Flush();
            writer.Write(stream.Position);
            writer.Write(FooterMagic);
            writer.Flush();
        });

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

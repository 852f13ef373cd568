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
    // Version 2 stores the optimizer's moments as a tensor map (OptimizerMoments), not in TorchSharp's optimizer format.
    private const int Version = 2;
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
        return ReadInfoFrom(reader, path);
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
        var count = ReadInfoFrom(reader, path).AverageDecays.Count;
        if (average is { } index && (index < 0 || index >= count))
            throw new ArgumentOutOfRangeException(nameof(average), index, $"average must lie in [0, {count}) for the {count} average(s) in '{path}'; got {index}.");
        var weights = Parse(path, () =>
        {
            reader.ReadInt64();                                   // step
            reader.ReadInt64();                                   // elapsed ticks
            BoundedRead.Tensor(reader, "The generator state");
            var trained = NamedTensors.Read(reader);
            if (average is not { } chosen) return trained;
            var stored = BoundedRead.Count(reader, 12, "The list of averages");
            if (stored != count) throw new InvalidDataException($"The file stores {stored} average(s) but its head lists {count}.");
            var averaged = trained;
            for (var i = 0; i <= chosen; i++)
            {
                reader.ReadInt64();                               // updates
                averaged = NamedTensors.Read(reader);
            }
            return averaged;
        });
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
            OptimizerMoments.Write(writer, optimizer);
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
        var info = ReadInfoFrom(reader, path);
        if (info.AverageDecays.Count != averages.Count)
            throw new InvalidDataException($"'{path}' holds {info.AverageDecays.Count} average(s) but the trainer keeps {averages.Count}; use the same emaDecays.");
        if (info.Options.Optimizer != kind)
            throw new InvalidDataException($"'{path}' was written by an {info.Options.Optimizer} run but the trainer uses {kind}.");

        if (info.Step > totalSteps)
            throw new InvalidDataException($"'{path}' is at step {info.Step}, beyond this run's totalSteps = {totalSteps}.");

        var (step, elapsed, generatorState, weights, states) = Parse(path, () =>
        {
            var step = reader.ReadInt64();
            if (step != info.Step) throw new InvalidDataException($"The head says step {info.Step} but the body {step}.");
            var elapsed = reader.ReadInt64();
            var generatorState = BoundedRead.Tensor(reader, "The generator state");
            using (var current = generator.get_state())
                if (generatorState.dtype != current.dtype || !generatorState.shape.SequenceEqual(current.shape))
                    throw new InvalidDataException($"The generator state is {generatorState.dtype} [{string.Join(", ", generatorState.shape)}]; " +
                                                   $"this generator's is {current.dtype} [{string.Join(", ", current.shape)}].");
            CheckMersenneTwister(generatorState);
            var weights = NamedTensors.Read(reader);
            var count = BoundedRead.Count(reader, 12, "The list of averages");
            if (count != averages.Count) throw new InvalidDataException($"The file stores {count} average(s) but its head lists {averages.Count}.");
            var states = new List<(IReadOnlyDictionary<string, Tensor> State, long Updates)>();
            for (var i = 0; i < count; i++)
            {
                var updates = reader.ReadInt64();
                states.Add((NamedTensors.Read(reader), updates));
            }
            return (step, TimeSpan.FromTicks(elapsed), generatorState, weights, states);
        });
        Rethrow(path, () => NamedTensors.CopyInto(field, weights));
        for (var i = 0; i < states.Count; i++)
        {
            var (state, updates) = states[i];
            Rethrow(path, () => averages[i].LoadStateDict(state));
            averages[i].Updates = updates;
        }
        Parse(path, () =>
        {
            OptimizerMoments.Read(reader, optimizer);
            return 0;
        });
        if (reader.BaseStream.Position != reader.BaseStream.Length - FooterBytes)
            throw new InvalidDataException($"'{path}' has {reader.BaseStream.Length - FooterBytes - reader.BaseStream.Position} unread byte(s) before its footer; it was not written by this version or does not match the trainer.");
        generator.set_state(generatorState);
        return (step, elapsed);
    }

    /// <summary>
    /// libtorch aborts the process (an uncaught c10::Error, not an exception) when a CPU generator is given an invalid
    /// Mersenne Twister state, so this checks what <c>CPUGeneratorImpl::set_state</c> checks: in the 5056-byte state
    /// (5048 in the legacy layout) <c>left</c> (int32 at byte 8) in [1, 624], <c>seeded</c> (int32 at 12) non-zero and
    /// <c>next</c> (uint64 at 16, used as uint32) at most 624. Other generators' states (CUDA's Philox) pass unchecked.
    /// </summary>
    private static void CheckMersenneTwister(Tensor state)
    {
        const int N = 624;
        if (state.dtype != ScalarType.Byte || state.numel() is not (5048 or 5056)) return;
        var bytes = HostRead.Values<byte>(state);
        int left = BitConverter.ToInt32(bytes, 8), seeded = BitConverter.ToInt32(bytes, 12);
        var next = (uint)BitConverter.ToUInt64(bytes, 16);
        if (seeded == 0 || left < 1 || left > N || next > N)
            throw new InvalidDataException($"The generator state is not a valid Mersenne Twister state (left = {left}, seeded = {seeded}, next = {next}).");
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

    private static CheckpointInfo ReadInfoFrom(BinaryReader reader, string path) => Parse(path, () =>
    {
        if (BoundedRead.String(reader, "The format name") != Magic) throw new InvalidDataException("It is not a MeanFlow.NET checkpoint.");
        var version = reader.ReadInt32();
        if (version != Version)
            throw new InvalidDataException($"It has checkpoint format version {version}; this library reads version {Version}.");
        try
        {
            var head = JsonNode.Parse(BoundedRead.String(reader, "The head"))?.AsObject() ?? throw new InvalidDataException("Its head is empty.");
            return new CheckpointInfo(head);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Its head is not JSON: {e.Message}", e);
        }
    });

    /// <summary>Runs a parse step; failures become an <see cref="InvalidDataException"/> that names the file.</summary>
    private static T Parse<T>(string path, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' is not a readable checkpoint: {e.Message}", e);
        }
    }

    /// <summary>Turns a mismatch reported by TorchSharp or the average into an error that names the file.</summary>
    private static void Rethrow(string path, Action load)
    {
        try { load(); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"'{path}' does not match the trainer or module: {e.Message}", e);
        }
    }
}

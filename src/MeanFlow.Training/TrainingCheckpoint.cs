using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
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
public static partial class TrainingCheckpoint
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
        nn.Module field, IReadOnlyList<ExponentialMovingAverage> averages, optim.Optimizer optimizer)
    {
        var target = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var scope = NewDisposeScope())
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
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
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}

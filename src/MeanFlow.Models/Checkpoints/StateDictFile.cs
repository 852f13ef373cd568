using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MeanFlow.Internal;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MeanFlow.Models.Checkpoints;

/// <summary>
/// Reads and writes state dicts (parameter and buffer name → tensor) of any module in three formats: PyTorch's
/// <c>torch.save(model.state_dict())</c> files (<c>.pt</c>/<c>.pth</c>) and safetensors through
/// TorchSharp.PyBridge, and TorchSharp's own format. Loading checks every key and shape before it copies
/// anything, and fails with a <see cref="StateDictMismatchException"/> that lists the missing, unexpected and
/// mis-shaped keys.
/// </summary>
/// <remarks>
/// Values are copied into the module's existing tensors (so an optimizer keeps its references), converted to the
/// module's dtype and device. Files are written under a temporary name in the target folder and renamed into place.
/// </remarks>
public static class StateDictFile
{
    /// <summary>Recognises the format of a file by its first bytes: a zip archive is a PyTorch file, an 8-byte
    /// header length followed by <c>{</c> a safetensors file, anything else TorchSharp's format.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The format.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is a legacy (non-zip) PyTorch pickle, which is not supported.</exception>
    public static StateDictFormat Detect(string path)
    {
        using var stream = Open(path);
        Span<byte> head = stackalloc byte[16];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];
        if (read >= 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04) return StateDictFormat.PyTorch;
        if (read >= 4 && head[0] == 0x80 && head[1] == 0x02 && head[2] == 0x8A && head[3] == 0x0A)
            throw new InvalidDataException(
                $"'{path}' was written by torch.save's legacy format (PyTorch < 1.6 or _use_new_zipfile_serialization=False), which is not supported; " +
                "re-save it with torch.save(model.state_dict(), path) in a current PyTorch, or as safetensors.");
        return SafetensorsHeader.LooksLike(head, stream.Length) ? StateDictFormat.Safetensors : StateDictFormat.TorchSharp;
    }

    /// <summary>Reads a file's state dict into CPU tensors, in the file's dtypes.</summary>
    /// <param name="path">A PyTorch, safetensors or TorchSharp state-dict file (recognised by <see cref="Detect"/>).</param>
    /// <param name="entry">For a PyTorch file holding a dictionary of state dicts, the key of the one to read;
    /// <c>null</c> for the whole file. The default is <c>null</c>.</param>
    /// <returns>Key → tensor, in the file's order; the caller owns (and disposes) the tensors.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable state dict.</exception>
    /// <exception cref="ArgumentException"><paramref name="entry"/> is given for a file that is not a PyTorch file.</exception>
    public static Dictionary<string, Tensor> Read(string path, string? entry = null)
    {
        using var scope = NewDisposeScope();
        var result = ReadAs(path, Detect(path), entry);
        foreach (var tensor in result.Values) tensor.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>Writes a module's state dict (parameters and persistent buffers) to a file.</summary>
    /// <param name="module">The module.</param>
    /// <param name="path">The destination; its folder is created if needed and an existing file is replaced.</param>
    /// <param name="format">The format: <see cref="StateDictFormat.Safetensors"/> or <see cref="StateDictFormat.PyTorch"/>
    /// for files that Python reads with <c>safetensors.torch.load_file</c> or <c>torch.load</c>, or
    /// <see cref="StateDictFormat.TorchSharp"/> for TorchSharp's <c>Module.load</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or <paramref name="format"/> is not defined.</exception>
    public static void Save(nn.Module module, string path, StateDictFormat format)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!Enum.IsDefined(format)) throw new ArgumentException($"format must be a defined {nameof(StateDictFormat)}; got {format}.", nameof(format));
        using var scope = NewDisposeScope();
        var entries = module.state_dict().Select(p => KeyValuePair.Create(p.Key, p.Value.detach().cpu().contiguous())).ToList();
        AtomicFile.Write(path, stream =>
        {
            switch (format)
            {
                case StateDictFormat.TorchSharp:
                    TorchSharpStateDict.Write(stream, entries);
                    break;
                case StateDictFormat.PyTorch:
                    PyTorchPickler.PickleStateDict(stream, new Dictionary<string, Tensor>(entries), leaveOpen: true);
                    break;
                default:
                    Safetensors.SaveStateDict(stream, new Dictionary<string, Tensor>(entries), leaveOpen: true);
                    break;
            }
        });
    }

    /// <summary>
    /// Loads a state-dict file into a module. Every key and shape is checked first; nothing is copied unless the
    /// file fits (strict: the same keys and shapes; not strict: the shared keys have equal shapes).
    /// </summary>
    /// <param name="module">The destination, e.g. a <see cref="DiT.MeanFlowDiT"/> of the checkpoint's configuration.</param>
    /// <param name="path">A PyTorch (<c>torch.save(model.state_dict(), …)</c>), safetensors or TorchSharp file.</param>
    /// <param name="options">Strictness, entry and key prefix; <c>null</c> for <see cref="StateDictLoadOptions.Default"/>.</param>
    /// <returns>What was loaded and what was skipped.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="StateDictMismatchException">The file does not fit the module; the message lists every problem.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable state dict.</exception>
    /// <exception cref="ArgumentException">An entry is chosen for a file that is not a PyTorch file.</exception>
    public static StateDictLoadResult Load(nn.Module module, string path, StateDictLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        options ??= StateDictLoadOptions.Default;
        using var scope = NewDisposeScope();
        var format = Detect(path);
        var saved = ReadAs(path, format, options.Entry);
        if (options.StripPrefix is { } prefix) saved = Strip(saved, prefix, path);
        var match = new StateDictMatch(module.state_dict().Select(p => (p.Key, p.Value)), saved);
        var missing = match.Missing.Select(k => new StateDictEntry(k, match.Own(k).shape)).ToList();
        var unexpected = match.Unexpected.Select(k => new StateDictEntry(k, match.Saved(k).shape)).ToList();
        var mismatched = match.Mismatched.Select(k => new StateDictShapeMismatch(k, match.Own(k).shape, match.Saved(k).shape)).ToList();
        if (mismatched.Count > 0 || (options.Strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new StateDictMismatchException(path, module.GetType().Name, missing, unexpected, mismatched);
        var loaded = match.CopyShared();
        return new StateDictLoadResult(format, loaded, missing, unexpected);
    }

    private static Dictionary<string, Tensor> ReadAs(string path, StateDictFormat format, string? entry)
    {
        if (entry is not null && format != StateDictFormat.PyTorch)
            throw new ArgumentException($"An entry ('{entry}') can only be chosen in a PyTorch file; '{path}' is {format}.", nameof(entry));
        using var stream = Open(path);
        try
        {
            switch (format)
            {
                case StateDictFormat.PyTorch:
                    return PyTorchPickle.Read(stream, entry);
                case StateDictFormat.Safetensors:
                    var shapes = SafetensorsHeader.Validate(stream);
                    stream.Position = 0;
                    var tensors = Safetensors.LoadStateDict(stream, leaveOpen: true);
                    return shapes.Keys.ToDictionary(k => k, k => tensors[k]);
                default:
                    return TorchSharpStateDict.Read(stream);
            }
        }
        catch (InvalidDataException)
        {
            throw;
        }
        catch (Exception e) when (e is not (UnauthorizedAccessException or OutOfMemoryException))
        {
            throw new InvalidDataException($"'{path}' could not be read as a {format} state dict: {e.Message}", e);
        }
    }

    private static Dictionary<string, Tensor> Strip(Dictionary<string, Tensor> saved, string prefix, string path)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (key, tensor) in saved)
        {
            var name = key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
            if (!result.TryAdd(name, tensor))
                throw new InvalidDataException($"Removing the prefix '{prefix}' from the keys of '{path}' makes two of them '{name}'.");
        }
        return result;
    }

    private static FileStream Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"There is no state-dict file '{path}'.", path);
        return File.OpenRead(path);
    }
}

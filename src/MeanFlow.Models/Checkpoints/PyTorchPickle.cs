using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MeanFlow.Models.Checkpoints;

/// <summary>Reads the state dict out of a PyTorch zip/pickle file through TorchSharp.PyBridge: the whole file when
/// it is a state dict, or one entry of a dictionary of state dicts.</summary>
internal static class PyTorchPickle
{
    internal static Dictionary<string, Tensor> Read(Stream stream, string? entry)
    {
        PickleScan.Check(stream);
        var root = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        var table = root;
        if (entry is not null)
        {
            if (!root.ContainsKey(entry))
                throw new InvalidDataException($"The file has no entry '{entry}'; its top-level keys are {Keys(root)}.");
            table = root[entry] as Hashtable
                ?? throw new InvalidDataException($"The file's entry '{entry}' is a {root[entry]?.GetType().Name ?? "null"}, not a dictionary of tensors.");
        }
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry item in table)
        {
            if (item.Key is not string key || item.Value is not Tensor tensor)
                throw new InvalidDataException(entry is null
                    ? $"The file is not a flat state dict: its entry '{item.Key}' is a {item.Value?.GetType().Name ?? "null"}. " +
                      $"If it holds several state dicts, choose one with StateDictLoadOptions.Entry (top-level keys: {Keys(root)})."
                    : $"The entry '{entry}' is not a flat state dict: '{item.Key}' is a {item.Value?.GetType().Name ?? "null"}.");
            result[key] = tensor;
        }
        return result;
    }

    private static string Keys(Hashtable table) => string.Join(", ", table.Keys.Cast<object>().Select(k => $"'{k}'"));
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFlow.Internal;

namespace MeanFlow.Samples;

/// <summary>Writes the samples' config.json, metrics.json and evaluation.json: indented UTF-8, atomically.</summary>
internal static class JsonFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    internal static void Write(string path, JsonNode json) => AtomicFile.Write(path, Encoding.UTF8.GetBytes(json.ToJsonString(Indented)));
}

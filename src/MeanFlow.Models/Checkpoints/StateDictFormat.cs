namespace MeanFlow.Models.Checkpoints;

/// <summary>File formats of a state dict (parameter and buffer name → tensor).</summary>
public enum StateDictFormat
{
    /// <summary>TorchSharp's own format, as written by <c>Module.save</c> and read by <c>Module.load</c>:
    /// a LEB128 count, then per entry the name and the tensor (dtype, shape, raw data).</summary>
    TorchSharp = 0,

    /// <summary>PyTorch's <c>torch.save(model.state_dict(), "….pt")</c>: a zip archive holding a pickle and the
    /// raw tensor storages (the format of PyTorch ≥ 1.6; the older non-zip pickle is not supported).</summary>
    PyTorch = 1,

    /// <summary>Hugging Face safetensors: an 8-byte little-endian header length, a JSON header
    /// (name → dtype, shape, data offsets) and the raw little-endian tensor data.</summary>
    Safetensors = 2,
}

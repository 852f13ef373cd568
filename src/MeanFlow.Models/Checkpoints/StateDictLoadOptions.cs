namespace MeanFlow.Models.Checkpoints;

/// <summary>How <see cref="StateDictFile.Load"/> matches a file's entries to a module's parameters and buffers.</summary>
public sealed class StateDictLoadOptions
{
    /// <summary>The defaults: strict, whole file, no prefix.</summary>
    public static StateDictLoadOptions Default { get; } = new();

    /// <summary>Creates the options.</summary>
    /// <param name="strict">Whether a key missing from the file or unknown to the module is an error (as PyTorch's
    /// <c>load_state_dict(strict=True)</c>); when false such keys are skipped and reported in the result. A shape
    /// mismatch is always an error. The default is <c>true</c>.</param>
    /// <param name="entry">For a PyTorch file holding a dictionary of state dicts (e.g. <c>{"model": …, "ema": …,
    /// "step": …}</c>), the key of the one to load; <c>null</c> when the file is the state dict itself. The default is <c>null</c>.</param>
    /// <param name="stripPrefix">A prefix removed from the file's keys that start with it before matching, e.g.
    /// <c>"module."</c> (DistributedDataParallel) or <c>"_orig_mod."</c> (torch.compile); <c>null</c> for none.
    /// The default is <c>null</c>.</param>
    public StateDictLoadOptions(bool strict = true, string? entry = null, string? stripPrefix = null)
    {
        Strict = strict;
        Entry = entry;
        StripPrefix = string.IsNullOrEmpty(stripPrefix) ? null : stripPrefix;
    }

    /// <summary>Whether missing and unexpected keys are errors.</summary>
    public bool Strict { get; }

    /// <summary>The key of the state dict inside a PyTorch file holding several, or <c>null</c>.</summary>
    public string? Entry { get; }

    /// <summary>A prefix removed from the file's keys, or <c>null</c>.</summary>
    public string? StripPrefix { get; }
}

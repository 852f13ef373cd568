namespace MeanFlow.Models.DiT;

/// <summary>Which guidance conditions (improved MeanFlow) a <see cref="MeanFlowDiT"/> embeds into its conditioning vector,
/// each with a timestep embedder added to the time embeddings.</summary>
public enum GuidanceInputs
{
    /// <summary>None: the original MeanFlow DiT; guidance arguments are ignored.</summary>
    None,

    /// <summary>The scale ω, embedded as ω / <see cref="MeanFlowDiTConfig.MaxGuidanceScale"/> by <c>w_embedder</c>, as the
    /// current MFDiT of haidog-yaqub/MeanFlow does; the interval is not an input (train with [0, 1]).</summary>
    Scale,

    /// <summary>ω as for <see cref="Scale"/>, and t_min and t_max by <c>t_min_embedder</c> and <c>t_max_embedder</c>
    /// (this library's addition; MFDiT has no interval inputs).</summary>
    ScaleAndInterval,
}

namespace MeanFlow.Models.DiT;

/// <summary>Which guidance conditions (improved MeanFlow) a <see cref="MeanFlowDiT"/> or a
/// <see cref="UNet.SongUNet"/> embeds into its conditioning vector, each embedded like a time and added to the time
/// embeddings. The DiT embeds ω / <see cref="MeanFlowDiTConfig.MaxGuidanceScale"/> (MFDiT's choice); the U-Net embeds
/// 1 − 1/ω ∈ [0, 1) (the official iMF choice).</summary>
public enum GuidanceInputs
{
    /// <summary>None: the original MeanFlow network; guidance arguments are ignored.</summary>
    None,

    /// <summary>The scale ω: in the DiT embedded as ω / <see cref="MeanFlowDiTConfig.MaxGuidanceScale"/> by <c>w_embedder</c>,
    /// as the current MFDiT of haidog-yaqub/MeanFlow does; in the U-Net as 1 − 1/ω by <c>map_guidance</c>. The interval
    /// is not an input (train with [0, 1]).</summary>
    Scale,

    /// <summary>ω as for <see cref="Scale"/>, and t_min and t_max (the DiT's <c>t_min_embedder</c> and <c>t_max_embedder</c>,
    /// the U-Net's wider <c>map_guidance</c>; this library's addition, MFDiT has no interval inputs).</summary>
    ScaleAndInterval,
}

namespace MeanFlow.Models.UNet;

/// <summary>
/// How the 3C output channels of a U-Net attention's 1×1 <c>qkv</c> convolution are split into queries, keys
/// and values (C channels each, H heads of C/H channels). The two layouts compute the same function up to a
/// permutation of <c>qkv</c>'s output channels; the layout matters only for loading PyTorch weights.
/// </summary>
public enum QkvLayout
{
    /// <summary>
    /// py-meanflow's (and guided-diffusion's <c>QKVAttention</c>) layout: channels [0, C) are the queries,
    /// [C, 2C) the keys, [2C, 3C) the values; within each, head h owns channels [h·C/H, (h + 1)·C/H).
    /// </summary>
    Stacked = 0,

    /// <summary>
    /// EDM's <c>UNetBlock</c> layout (<c>reshape(B·H, C/H, 3, −1)</c>): channel 3·(h·C/H + c) + i holds
    /// channel c of head h of the queries (i = 0), keys (i = 1) or values (i = 2).
    /// </summary>
    Interleaved = 1,
}

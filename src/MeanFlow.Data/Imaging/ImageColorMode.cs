namespace MeanFlow.Imaging;

/// <summary>How many channels an image read from a file gets. Alpha is always dropped.</summary>
public enum ImageColorMode
{
    /// <summary>As stored: 1 channel for a grey file, 3 (RGB) for any other (palette, colour, grey with alpha).</summary>
    Auto,

    /// <summary>1 channel; colour becomes luma round((299·R + 587·G + 114·B) / 1000) (ITU-R BT.601).</summary>
    Grey,

    /// <summary>3 channels; grey is replicated into R, G and B.</summary>
    Rgb,
}

namespace MeanFlow.Data;

/// <summary>How <see cref="ImageFolder"/> chooses the number of channels. Alpha is always dropped.</summary>
public enum ImageColorMode
{
    /// <summary>Grey (1 channel) if every image is grey, otherwise RGB (3 channels).</summary>
    Auto,

    /// <summary>1 channel; colour images become luma round((299·R + 587·G + 114·B) / 1000) (ITU-R BT.601).</summary>
    Grey,

    /// <summary>3 channels; grey images are replicated into R, G and B.</summary>
    Rgb,
}

namespace MeanFlow.Imaging;

/// <summary>The value range that image tensors use for black to white.</summary>
public enum PixelRange
{
    /// <summary>0 is black, 1 is white (what the dataset readers produce).</summary>
    ZeroToOne,

    /// <summary>−1 is black, 1 is white (what models trained with a [−1, 1] normalizer produce).</summary>
    MinusOneToOne,
}

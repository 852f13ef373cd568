using static TorchSharp.torch;

namespace MeanFlow.Normalization;

/// <summary>Leaves data unchanged (for data that is already centred and scaled, such as latents or toy data).</summary>
public sealed class IdentityNormalizer : INormalizer
{
    /// <inheritdoc />
    public Tensor Normalize(Tensor x) => x.alias();

    /// <inheritdoc />
    public Tensor Denormalize(Tensor y) => y.alias();
}

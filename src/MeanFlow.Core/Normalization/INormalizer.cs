using static TorchSharp.torch;

namespace MeanFlow.Normalization;

/// <summary>
/// An invertible map between data space and the space the model is trained in. The objective normalizes
/// data before building the path; samplers denormalize their output.
/// </summary>
public interface INormalizer
{
    /// <summary>Maps data to model space.</summary>
    /// <param name="x">Data, shape (B, ...).</param>
    /// <returns>Normalized data, same shape.</returns>
    Tensor Normalize(Tensor x);

    /// <summary>Maps model space back to data: the inverse of <see cref="Normalize"/>.</summary>
    /// <param name="y">Normalized values, shape (B, ...).</param>
    /// <returns>Data, same shape.</returns>
    Tensor Denormalize(Tensor y);
}

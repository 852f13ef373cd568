using static TorchSharp.torch;

namespace MeanFlow.Paths;

/// <summary>
/// A conditional probability path from data x (t = 0) to noise ε (t = 1): the point z_t on the path of the pair
/// (x, ε) and its conditional velocity v_t = dz_t/dt, the quantities the objectives regress on.
/// <see cref="AffinePath"/> is the built-in implementation; a path need not be affine.
/// </summary>
public interface IProbabilityPath
{
    /// <summary>Samples z_t and v_t for data, noise and times.</summary>
    /// <param name="x">Data, shape (B, ...).</param>
    /// <param name="noise">Noise ε, shape of <paramref name="x"/>.</param>
    /// <param name="t">Times, shape (B,).</param>
    /// <returns>z_t and v_t, each of the shape of <paramref name="x"/>.</returns>
    PathSample Sample(Tensor x, Tensor noise, Tensor t);
}

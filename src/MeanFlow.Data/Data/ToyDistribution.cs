namespace MeanFlow.Data;

/// <summary>Two-dimensional distributions generated in code, the usual first test of a generative model.</summary>
public enum ToyDistribution
{
    /// <summary>A 4 × 4 checkerboard on [−2, 2]²: uniform on the 8 squares whose corner indices have even sum.</summary>
    Checkerboard = 0,

    /// <summary>Two interleaving half circles with Gaussian noise of standard deviation 0.05, scaled to about [−2, 2]².</summary>
    TwoMoons = 1,

    /// <summary>Eight Gaussians of standard deviation 0.1 equally spaced on the circle of radius 2.</summary>
    EightGaussians = 2,

    /// <summary>Two interleaved Archimedean spirals with noise of standard deviation 0.05, within about [−2, 2]².</summary>
    Spirals = 3,
}

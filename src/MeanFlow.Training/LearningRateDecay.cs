namespace MeanFlow.Training;

/// <summary>What the learning rate does after the warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Stays at the peak learning rate (the paper's schedule).</summary>
    Constant,

    /// <summary>Follows half a cosine from the peak down to the minimum learning rate at the last step.</summary>
    Cosine,
}

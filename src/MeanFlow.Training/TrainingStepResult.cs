namespace MeanFlow.Training;

/// <summary>What one optimizer step measured (plain numbers: nothing to dispose).</summary>
public sealed record TrainingStepResult
{
    /// <summary>Steps completed including this one (1 after the first step).</summary>
    public required long Step { get; init; }

    /// <summary>The objective's loss on this step's batch, before the update.</summary>
    public required double Loss { get; init; }

    /// <summary>Unweighted mean squared error (u_θ − u_tgt)² per element.</summary>
    public required double MeanSquaredError { get; init; }

    /// <summary>Mean loss weight (1 for constant weighting).</summary>
    public required double MeanWeight { get; init; }

    /// <summary>Learning rate used by this step.</summary>
    public required double LearningRate { get; init; }

    /// <summary>Global gradient norm √(Σ‖∇θ‖²) before clipping.</summary>
    public required double GradientNorm { get; init; }

    /// <summary>Rows with r ≠ t (those that needed a JVP).</summary>
    public required long DistinctRows { get; init; }
}

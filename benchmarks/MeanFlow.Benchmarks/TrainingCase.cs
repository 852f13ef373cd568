namespace MeanFlow.Benchmarks;

/// <summary>One training-step variant: the flow-matching baseline or MeanFlow with a JVP engine and a fraction of r ≠ t rows.</summary>
public enum TrainingCase
{
    /// <summary>FlowMatchingObjective (every row r = t): the baseline.</summary>
    FlowMatching,

    /// <summary>MeanFlowObjective with ForwardModeJvp, 8 of 32 rows r ≠ t (the paper's 25 %).</summary>
    ForwardMode25,

    /// <summary>MeanFlowObjective with ForwardModeJvp, all 32 rows r ≠ t.</summary>
    ForwardMode100,

    /// <summary>MeanFlowObjective with DoubleBackwardJvp, 8 of 32 rows r ≠ t.</summary>
    DoubleBackward25,

    /// <summary>MeanFlowObjective with DoubleBackwardJvp(deterministicField: true) (tangent rows in a forward pass of their own), 8 of 32 rows r ≠ t.</summary>
    DoubleBackwardDeterministic25,

    /// <summary>MeanFlowObjective with DoubleBackwardJvp, all 32 rows r ≠ t.</summary>
    DoubleBackward100,

    /// <summary>MeanFlowObjective with FiniteDifferenceJvp (central, float32 default step), 8 of 32 rows r ≠ t.</summary>
    FiniteDifference25,

    /// <summary>MeanFlowObjective with FiniteDifferenceJvp, all 32 rows r ≠ t.</summary>
    FiniteDifference100,

    /// <summary>ImprovedMeanFlowObjective with its defaults (AutomaticJvp: forward mode on a tangent-capable field), 16 of 32
    /// rows r ≠ t (the official 50 %), drawn guidance; class labels with 10 % dropped on <see cref="Backbone.ImfDiT"/>
    /// (so the conditional and null-class v-head passes run), unconditional on the single-head backbones (wrapped in
    /// SingleHeadGuidedField: v = u(z, t, t)).</summary>
    ImprovedMeanFlow,

    /// <summary><see cref="ImprovedMeanFlow"/> with DoubleBackwardJvp (one forward pass for both heads and the JVP).</summary>
    ImprovedMeanFlowDoubleBackward,
}

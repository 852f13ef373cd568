using System;
using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Losses;
using MeanFlow.Normalization;
using MeanFlow.Paths;
using MeanFlow.TimeSampling;
using static TorchSharp.torch;

namespace MeanFlow.Objectives;

/// <summary>
/// Flow matching: regress the instantaneous velocity u_θ(z_t, t, t) onto v_t — the r = t special case of
/// <see cref="MeanFlowObjective"/>, and the baseline that MeanFlow's cost and quality are measured against.
/// </summary>
/// <remarks>t is drawn once per row from the given distribution (<see cref="FlowMatchingTimeSampler"/>), so the
/// objective trains on exactly that distribution.</remarks>
public sealed class FlowMatchingObjective : IObjective
{
    private readonly MeanFlowObjective _objective;

    /// <summary>Creates the objective.</summary>
    /// <param name="path">Path giving z_t and v_t; <c>null</c> for <see cref="AffinePath.Linear"/>.</param>
    /// <param name="timeDistribution">Distribution of t; <c>null</c> for <see cref="LogitNormalTimeDistribution"/> with its defaults (MeanFlow's).</param>
    /// <param name="weighting">Loss weighting; <c>null</c> for constant weights (the usual squared error).</param>
    /// <param name="normalizer">Data normalizer; <c>null</c> for the identity.</param>
    /// <param name="guidance">Classifier-free guidance trained into the velocity, or <c>null</c>.</param>
    public FlowMatchingObjective(
        IProbabilityPath? path = null,
        ITimeDistribution? timeDistribution = null,
        ILossWeighting? weighting = null,
        INormalizer? normalizer = null,
        ClassifierFreeGuidance? guidance = null)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        _objective = new MeanFlowObjective(path,
            new FlowMatchingTimeSampler(timeDistribution),
            weighting ?? new ConstantLossWeighting(), jvp: null, normalizer, guidance);
    }

    /// <summary>The underlying MeanFlow objective with every row at r = t.</summary>
    public MeanFlowObjective AsMeanFlow => _objective;

    /// <inheritdoc />
    public ObjectiveOutput Compute(IVelocityField field, Tensor x, Tensor? labels = null, Generator? generator = null) =>
        _objective.Compute(field, x, labels, generator);

    /// <inheritdoc />
    public ObjectiveBatch Draw(Tensor x, Tensor? labels = null, Generator? generator = null) =>
        _objective.Draw(x, labels, generator);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">Some row of the batch has r ≠ t.</exception>
    public ObjectiveOutput Compute(IVelocityField field, ObjectiveBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using (var scope = NewDisposeScope())
        {
            if ((batch.R != batch.T).any().item<bool>())
                throw new ArgumentException("Flow matching trains the instantaneous velocity: batch.R must equal batch.T in every row.", nameof(batch));
        }
        return _objective.Compute(field, batch);
    }
}

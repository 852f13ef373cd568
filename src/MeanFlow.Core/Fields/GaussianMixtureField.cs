using System;
using System.Globalization;
using MeanFlow.Internal;
using MeanFlow.Paths;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>
/// The velocity fields of a mixture of diagonal Gaussians Σ_k π_k·N(μ_k, diag(s_k²)) under an affine path.
/// The instantaneous velocity is exact: v(z, t) = Σ_k p(k | z_t = z)·v_k(z, t), each v_k the Gaussian
/// closed form and p(k | z) the posterior of the component. The average velocity has no closed form; it is
/// computed by integrating the flow map with <see cref="IntegrationSteps"/> fourth-order Runge–Kutta steps
/// per row (use float64 for reference values).
/// </summary>
public sealed class GaussianMixtureField : IVelocityField
{
    private readonly double[] _weights;
    private readonly double[,] _means;
    private readonly double[,] _stds;

    /// <summary>Creates the mixture.</summary>
    /// <param name="weights">π_k, length K, positive (normalized internally).</param>
    /// <param name="means">μ_k, shape K × D.</param>
    /// <param name="stds">s_k, shape K × D, each &gt; 0.</param>
    /// <param name="schedule">The path's schedule; <c>null</c> for <see cref="LinearSchedule"/>.</param>
    /// <param name="integrationSteps">RK4 steps for the average velocity. The default is 64.</param>
    /// <exception cref="ArgumentException">Shapes disagree.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight or std is not positive, a mean is not finite, or steps &lt; 1.</exception>
    public GaussianMixtureField(double[] weights, double[,] means, double[,] stds, ISchedule? schedule = null, int integrationSteps = 64)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(stds);
        int k = weights.Length, d = means.GetLength(1);
        if (k == 0 || means.GetLength(0) != k || stds.GetLength(0) != k || stds.GetLength(1) != d || d == 0)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"weights (K = {k}), means ({means.GetLength(0)} × {d}) and stds ({stds.GetLength(0)} × {stds.GetLength(1)}) must agree, K, D ≥ 1."), nameof(stds));
        if (integrationSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(integrationSteps), integrationSteps, $"integrationSteps must be ≥ 1; got {integrationSteps}.");
        double total = 0;
        for (var i = 0; i < k; i++)
        {
            Guard.Positive(weights[i], $"weights[{i}]");
            total += weights[i];
            for (var j = 0; j < d; j++)
            {
                Guard.Finite(means[i, j], $"means[{i}, {j}]");
                Guard.Positive(stds[i, j], $"stds[{i}, {j}]");
            }
        }
        _weights = Array.ConvertAll(weights, w => w / total);
        _means = (double[,])means.Clone();
        _stds = (double[,])stds.Clone();
        Schedule = schedule ?? new LinearSchedule();
        IntegrationSteps = integrationSteps;
    }

    /// <summary>K, the number of components.</summary>
    public int Components => _weights.Length;

    /// <summary>D, the data dimension.</summary>
    public int Dimension => _means.GetLength(1);

    /// <summary>The path's schedule.</summary>
    public ISchedule Schedule { get; }

    /// <summary>RK4 steps used for the average velocity.</summary>
    public int IntegrationSteps { get; }

    /// <summary>Draws data from the mixture.</summary>
    /// <param name="count">Rows.</param>
    /// <param name="dtype">Floating dtype. The default is float64.</param>
    /// <param name="device">Device; <c>null</c> for the CPU.</param>
    /// <param name="generator">Random generator, or <c>null</c>.</param>
    /// <returns>Shape (count, D).</returns>
    public Tensor SampleData(long count, ScalarType dtype = ScalarType.Float64, Device? device = null, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        device ??= CPU;
        var (logWeights, means, stds) = Parameters(dtype, device);
        var u = RandomDraw.Uniform(new[] { count, 1L }, dtype, device, generator);
        var component = (u > logWeights.exp().cumsum(0).unsqueeze(0)).sum(1).clamp(max: Components - 1);   // (count,)
        var n = RandomDraw.Normal(new[] { count, (long)Dimension }, dtype, device, generator);
        return (means.index_select(0, component) + stds.index_select(0, component) * n).MoveToOuterDisposeScope();
    }

    /// <summary>The exact marginal velocity v(z, t).</summary>
    /// <param name="z">States, shape (B, D).</param>
    /// <param name="t">Times, shape (B,).</param>
    /// <returns>v(z, t), shape (B, D).</returns>
    public Tensor Velocity(Tensor z, Tensor t)
    {
        AnalyticFieldInputs.Check(z, t, t, Dimension);
        using var scope = NewDisposeScope();
        var (logWeights, means, stds) = Parameters(z.dtype, z.device);
        var c = Schedule.Evaluate(t.reshape(-1, 1, 1));                  // (B, 1, 1)
        var m = c.A * means.unsqueeze(0);                                 // (B, K, D)
        var variance = c.A.square() * stds.square().unsqueeze(0) + c.B.square();
        var s = variance.sqrt();
        var ds = (c.A * c.DA * stds.square().unsqueeze(0) + c.B * c.DB) / s;
        var centred = z.unsqueeze(1) - m;                                 // (B, K, D)
        var logDensity = -0.5 * (centred.square() / variance + variance.log()).sum(2) + logWeights.unsqueeze(0);   // (B, K)
        var posterior = logDensity.softmax(1).unsqueeze(2);               // (B, K, 1)
        var componentVelocity = c.DA * means.unsqueeze(0) + ds / s * centred;
        return (posterior * componentVelocity).sum(1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        AnalyticFieldInputs.Check(z, r, t, Dimension);
        using var scope = NewDisposeScope();
        var velocity = Velocity(z, t);
        // Only the rows with r ≠ t need the flow map (and its cost of 4·IntegrationSteps velocity evaluations).
        var distinct = (r != t).nonzero().squeeze(1);
        if (distinct.shape[0] == 0) return velocity.MoveToOuterDisposeScope();
        var zd = z.index_select(0, distinct);
        var td = t.index_select(0, distinct);
        var rd = r.index_select(0, distinct);
        var average = (zd - Integrate(zd, rd, td)) / (td - rd).unsqueeze(1);
        return velocity.index_copy(0, distinct, average).MoveToOuterDisposeScope();
    }

    /// <summary>The flow map z_t ↦ z_r to the earlier time r, integrated per row with <see cref="IntegrationSteps"/> RK4 steps.</summary>
    /// <param name="z">States at t, shape (B, D).</param>
    /// <param name="r">End times of the integration, shape (B,), r ≤ t.</param>
    /// <param name="t">Start times of the integration (the times of <paramref name="z"/>), shape (B,).</param>
    /// <returns>z_r, shape (B, D).</returns>
    /// <exception cref="ArgumentException">A shape disagrees.</exception>
    /// <exception cref="ArgumentOutOfRangeException">r &gt; t in some row (a swapped pair); the message names the row, r and t.</exception>
    public Tensor FlowMap(Tensor z, Tensor r, Tensor t)
    {
        AnalyticFieldInputs.Check(z, r, t, Dimension);
        Guard.StartNotAfterEnd(r, t);
        return Integrate(z, r, t);
    }

    /// <summary>RK4 from t to r in either direction (the average velocity also sees r &gt; t, e.g. from finite differences).</summary>
    private Tensor Integrate(Tensor z, Tensor r, Tensor t)
    {
        using var scope = NewDisposeScope();
        var h = (r - t) / IntegrationSteps;                               // (B,), per-row step
        var hz = h.unsqueeze(1);
        var state = z;
        for (var i = 0; i < IntegrationSteps; i++)
        {
            var tau = t + h * i;
            var k1 = Velocity(state, tau);
            var k2 = Velocity(state + hz / 2 * k1, tau + h / 2);
            var k3 = Velocity(state + hz / 2 * k2, tau + h / 2);
            var k4 = Velocity(state + hz * k3, tau + h);
            state = state + hz / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
        return state.MoveToOuterDisposeScope();
    }

    private (Tensor LogWeights, Tensor Means, Tensor Stds) Parameters(ScalarType dtype, Device device)
    {
        int k = Components, d = Dimension;
        var means = new double[k * d];
        var stds = new double[k * d];
        for (var i = 0; i < k; i++)
        for (var j = 0; j < d; j++)
        {
            means[i * d + j] = _means[i, j];
            stds[i * d + j] = _stds[i, j];
        }
        return (tensor(_weights, dtype: dtype, device: device).log(),
                tensor(means, dtype: dtype, device: device).reshape(k, d),
                tensor(stds, dtype: dtype, device: device).reshape(k, d));
    }
}

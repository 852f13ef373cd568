using System;
using System.Linq;
using MeanFlow.Internal;
using MeanFlow.Jvp;
using MeanFlow.Paths;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>
/// The exact velocity fields of Gaussian data x ~ N(μ, diag(s²)) under an affine path with prior N(0, I):
/// ground truth for tests. Per coordinate z_t ~ N(m_t, S_t²), m_t = a_t·μ, S_t² = a_t²·s² + b_t², and
/// <list type="bullet">
/// <item>v(z, t) = m'_t + (S'_t / S_t)·(z − m_t),</item>
/// <item>flow map z_r = m_r + (S_r / S_t)·(z_t − m_t),</item>
/// <item>u(z, r, t) = [z − m_r − (S_r / S_t)·(z − m_t)] / (t − r), and u(z, t, t) = v(z, t).</item>
/// </list>
/// For the linear path the one-step map ε − u(ε, 0, 1) = μ + s·ε is exact.
/// </summary>
/// <remarks>
/// Use float64: u divides a difference of O(1) terms by t − r, so its relative round-off is about
/// ε_mach / (t − r). Rows with r = t return v exactly. The closed-form tangent is defined for rows with
/// r ≠ t, the only rows the MeanFlow objective asks for (elsewhere the JVP is multiplied by t − r = 0).
/// The average velocity also evaluates rows with r &gt; t (the closed form extends there, and finite
/// differences step across r = t); <see cref="FlowMap"/>, an explicit entry point, rejects them.
/// </remarks>
public sealed class DiagonalGaussianField : ITangentVelocityField
{
    private readonly double[] _mean;
    private readonly double[] _std;

    /// <summary>Creates the field of N(μ, diag(s²)).</summary>
    /// <param name="mean">μ, length D.</param>
    /// <param name="std">s, length D, each ≥ 0 (0 is a point mass in that coordinate).</param>
    /// <param name="schedule">The path's schedule; <c>null</c> for <see cref="LinearSchedule"/>.</param>
    /// <exception cref="ArgumentException">Lengths differ or are zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A mean is not finite, or a std is negative or not finite.</exception>
    public DiagonalGaussianField(double[] mean, double[] std, ISchedule? schedule = null)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"mean and std must have the same non-zero length; got {mean.Length} and {std.Length}.", nameof(std));
        for (var d = 0; d < mean.Length; d++)
        {
            Guard.Finite(mean[d], $"mean[{d}]");
            Guard.NonNegative(std[d], $"std[{d}]");
        }
        _mean = (double[])mean.Clone();
        _std = (double[])std.Clone();
        Schedule = schedule ?? new LinearSchedule();
    }

    /// <summary>D, the data dimension.</summary>
    public int Dimension => _mean.Length;

    /// <summary>μ.</summary>
    public double[] Mean => (double[])_mean.Clone();

    /// <summary>s.</summary>
    public double[] Std => (double[])_std.Clone();

    /// <summary>The path's schedule.</summary>
    public ISchedule Schedule { get; }

    /// <summary>Draws data x = μ + s·n, n ~ N(0, I).</summary>
    /// <param name="count">Rows.</param>
    /// <param name="dtype">Floating dtype. The default is float64.</param>
    /// <param name="device">Device; <c>null</c> for the CPU.</param>
    /// <param name="generator">Random generator, or <c>null</c>.</param>
    /// <returns>Shape (count, D).</returns>
    public Tensor SampleData(long count, ScalarType dtype = ScalarType.Float64, Device? device = null, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        device ??= CPU;
        var (mean, std) = Parameters(dtype, device);
        var n = RandomDraw.Normal(new[] { count, (long)Dimension }, dtype, device, generator);
        return (mean + std * n).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        AnalyticFieldInputs.Check(z, r, t, Dimension);
        using var scope = NewDisposeScope();
        var at = Marginal(z, t);
        var ar = Marginal(z, r);
        var equal = TensorRows.Broadcast(r == t, z);
        var interval = TensorRows.Broadcast(t - r, z);
        var safeInterval = where(equal, ones_like(interval), interval);   // keeps the unused branch finite for autograd
        var numerator = z - ar.M - ar.S / at.S * (z - at.M);
        var velocity = at.DM + at.DS / at.S * (z - at.M);
        return where(equal, velocity, numerator / safeInterval).MoveToOuterDisposeScope();
    }

    /// <summary>The flow map: where the trajectory through z at time t is at the earlier time r.</summary>
    /// <param name="z">States at t, shape (B, D).</param>
    /// <param name="r">Target times, shape (B,), r ≤ t.</param>
    /// <param name="t">Times of <paramref name="z"/>, shape (B,).</param>
    /// <returns>z_r, shape (B, D).</returns>
    /// <exception cref="ArgumentException">A shape disagrees.</exception>
    /// <exception cref="ArgumentOutOfRangeException">r &gt; t in some row (a swapped pair); the message names the row, r and t.</exception>
    public Tensor FlowMap(Tensor z, Tensor r, Tensor t)
    {
        AnalyticFieldInputs.Check(z, r, t, Dimension);
        Guard.StartNotAfterEnd(r, t);
        using var scope = NewDisposeScope();
        var at = Marginal(z, t);
        var ar = Marginal(z, r);
        return (ar.M + ar.S / at.S * (z - at.M)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A tangent row has r = t (the closed form needs t − r ≠ 0).</exception>
    public JvpOutput AverageVelocityWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        JvpArguments.Check(this, z, r, t, tangent);
        using var scope = NewDisposeScope();
        var value = AverageVelocity(z, r, t, labels);
        var k = tangent.Rows;
        var zk = z.narrow(0, 0, k);
        var rk = r.narrow(0, 0, k);
        var tk = t.narrow(0, 0, k);
        if (k > 0 && (rk == tk).any().item<bool>())
            throw new ArgumentException("The closed-form tangent of the Gaussian average velocity needs r ≠ t on every tangent row.", nameof(tangent));
        Tensor jvp;
        using (no_grad())
        {
            var at = Marginal(zk, tk);
            var ar = Marginal(zk, rk);
            var interval = TensorRows.Broadcast(tk - rk, zk);
            var centred = zk - at.M;
            var ratio = ar.S / at.S;
            var u = (zk - ar.M - ratio * centred) / interval;
            // ∂N/∂z·dz, ∂N/∂t, ∂N/∂r for N = z − m_r − (S_r/S_t)(z − m_t); then du = (dN − u·(dt − dr)) / (t − r).
            var dNdt = ratio * at.DS / at.S * centred + ratio * at.DM;
            var dNdr = -ar.DM - ar.DS / at.S * centred;
            var dt = TensorRows.Broadcast(tangent.T, zk);
            var dr = TensorRows.Broadcast(tangent.R, zk);
            var dN = (1 - ratio) * tangent.Z + dNdt * dt + dNdr * dr;
            jvp = (dN - u * (dt - dr)) / interval;
        }
        return new JvpOutput(value, jvp).MoveToOuterDisposeScope();
    }

    /// <summary>m_t, S_t and their time derivatives, broadcast against z.</summary>
    private (Tensor M, Tensor S, Tensor DM, Tensor DS) Marginal(Tensor z, Tensor time)
    {
        var (mean, std) = Parameters(z.dtype, z.device);
        var c = Schedule.Evaluate(TensorRows.Broadcast(time, z));
        var variance = c.A.square() * std.square() + c.B.square();
        var s = variance.sqrt();
        var ds = (c.A * c.DA * std.square() + c.B * c.DB) / s;
        return (c.A * mean, s, c.DA * mean, ds);
    }

    private (Tensor Mean, Tensor Std) Parameters(ScalarType dtype, Device device) =>
        (tensor(_mean, dtype: dtype, device: device), tensor(_std, dtype: dtype, device: device));

    /// <inheritdoc />
    public override string ToString() => $"DiagonalGaussianField(D = {Dimension}, {Schedule.GetType().Name})";
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace MeanFlow.Sampling;

/// <summary>A decreasing sequence of times from noise to data, 1 ≥ τ_0 &gt; τ_1 &gt; … &gt; τ_n ≥ 0.</summary>
public sealed class TimeGrid
{
    private readonly double[] _times;

    /// <summary>Creates a grid from explicit times.</summary>
    /// <param name="times">At least two times in [0, 1], strictly decreasing.</param>
    /// <exception cref="ArgumentException">Fewer than two times, or not strictly decreasing.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A time outside [0, 1].</exception>
    public TimeGrid(IEnumerable<double> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        _times = times.ToArray();
        if (_times.Length < 2)
            throw new ArgumentException($"A time grid needs at least two times; got {_times.Length}.", nameof(times));
        for (var i = 0; i < _times.Length; i++)
        {
            if (!(_times[i] >= 0 && _times[i] <= 1))
                throw new ArgumentOutOfRangeException(nameof(times), _times[i], string.Create(CultureInfo.InvariantCulture,
                    $"times[{i}] = {_times[i]} is outside [0, 1]."));
            if (i > 0 && !(_times[i] < _times[i - 1]))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"times must decrease strictly (noise to data); times[{i - 1}] = {_times[i - 1]}, times[{i}] = {_times[i]}."), nameof(times));
        }
    }

    /// <summary>n equal steps from 1 to 0.</summary>
    /// <param name="steps">n ≥ 1.</param>
    /// <returns>The grid 1, 1 − 1/n, …, 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> &lt; 1.</exception>
    public static TimeGrid Uniform(int steps)
    {
        if (steps < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be ≥ 1; got {steps}.");
        return new TimeGrid(Enumerable.Range(0, steps + 1).Select(i => i == steps ? 0.0 : 1.0 - (double)i / steps));
    }

    /// <summary>The times, decreasing.</summary>
    public IReadOnlyList<double> Times => _times;

    /// <summary>The number of steps, one less than the number of times.</summary>
    public int Steps => _times.Length - 1;

    /// <inheritdoc />
    public override string ToString() =>
        "[" + string.Join(", ", _times.Select(t => t.ToString("G4", CultureInfo.InvariantCulture))) + "]";
}

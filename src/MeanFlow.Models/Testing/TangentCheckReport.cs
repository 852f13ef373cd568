using System;
using System.Collections.Generic;
using System.Linq;

namespace MeanFlow.Models.Testing;

/// <summary>What a <see cref="TangentCheck"/> measured: one <see cref="TangentCheckMeasurement"/> per quantity compared.</summary>
public sealed class TangentCheckReport
{
    internal TangentCheckReport(IEnumerable<TangentCheckMeasurement> measurements) => Measurements = measurements.ToArray();

    /// <summary>The measurements, in the order they were taken.</summary>
    public IReadOnlyList<TangentCheckMeasurement> Measurements { get; }

    /// <summary>Whether every measurement is within its tolerance.</summary>
    public bool Passed => Measurements.All(m => m.Passed);

    /// <summary>The largest relative error of a tangent against double backward, 0 when no tangent rows were compared.</summary>
    public double MaxTangentError => Measurements.Where(m => m.Tolerance > 0).Select(m => m.Error).DefaultIfEmpty(0).Max();

    /// <inheritdoc />
    public override string ToString() => string.Join(Environment.NewLine, Measurements);

    internal TangentCheckReport Concat(TangentCheckReport other) => new(Measurements.Concat(other.Measurements));

    internal TangentCheckReport ThrowIfFailed(string what)
    {
        if (Passed) return this;
        var failed = Measurements.Where(m => !m.Passed).Select(m => m.Quantity);
        throw new TangentCheckException($"{what}: {string.Join("; ", failed)} out of tolerance.{Environment.NewLine}{this}", this);
    }
}

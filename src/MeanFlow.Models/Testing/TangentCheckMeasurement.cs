using System.Globalization;

namespace MeanFlow.Models.Testing;

/// <summary>One quantity a <see cref="TangentCheck"/> compared, the error it measured and the tolerance it allowed.</summary>
public sealed class TangentCheckMeasurement
{
    internal TangentCheckMeasurement(string quantity, double error, double tolerance)
    {
        Quantity = quantity;
        Error = error;
        Tolerance = tolerance;
    }

    /// <summary>What was compared, e.g. "tangent of 2 rows against double backward".</summary>
    public string Quantity { get; }

    /// <summary>The measured error: max|a − b| / max|b| for a tangent; max|a − b| for a quantity that must be
    /// bit-identical (+∞ when the shapes or dtypes differ, NaN when a value is not finite).</summary>
    public double Error { get; }

    /// <summary>The largest error allowed; 0 for a quantity that must be bit-identical.</summary>
    public double Tolerance { get; }

    /// <summary>Whether <see cref="Error"/> ≤ <see cref="Tolerance"/>.</summary>
    public bool Passed => Error <= Tolerance;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(Passed ? "ok  " : "FAIL")} {Quantity}: error {Error:E2} (tolerance {Tolerance:E1})");
}

using System;

namespace MeanFlow.Models.Testing;

/// <summary>A <see cref="TangentCheck"/> failed: the message says what and by how much.</summary>
public sealed class TangentCheckException : Exception
{
    /// <summary>Creates the exception for a failure that has no measurement (e.g. a layer that returned no tangent).</summary>
    /// <param name="message">What failed.</param>
    public TangentCheckException(string message) : base(message) { }

    /// <summary>Creates the exception for measurements out of tolerance.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="report">Everything that was measured.</param>
    public TangentCheckException(string message, TangentCheckReport report) : base(message) => Report = report;

    /// <summary>The measurements, or <c>null</c> when the check failed before it could measure.</summary>
    public TangentCheckReport? Report { get; }
}

using System;

namespace MeanFlow.Training;

/// <summary>Arguments of <see cref="Trainer{TField}.SampleDue"/> and <see cref="Trainer{TField}.CheckpointSaved"/>.</summary>
public sealed class TrainingEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="step">Steps completed.</param>
    /// <param name="checkpointPath">The checkpoint just written, or <c>null</c>.</param>
    public TrainingEventArgs(long step, string? checkpointPath = null)
    {
        Step = step;
        CheckpointPath = checkpointPath;
    }

    /// <summary>Steps completed.</summary>
    public long Step { get; }

    /// <summary>The checkpoint file just written (for <see cref="Trainer{TField}.CheckpointSaved"/>), otherwise <c>null</c>.</summary>
    public string? CheckpointPath { get; }
}

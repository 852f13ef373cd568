using MeanFlow.Fields;
using MeanFlow.Objectives;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>Creates trainers with the field's type inferred.</summary>
public static class Trainer
{
    /// <summary>Creates a <see cref="Trainer{TField}"/>; see its constructor.</summary>
    /// <typeparam name="TField">The field's type.</typeparam>
    /// <param name="field">The field to train.</param>
    /// <param name="objective">The objective.</param>
    /// <param name="options">The options.</param>
    /// <returns>The trainer.</returns>
    public static Trainer<TField> Create<TField>(TField field, IObjective objective, TrainerOptions options)
        where TField : nn.Module, IVelocityField => new(field, objective, options);
}

namespace MeanFlow.Training;

/// <summary>The optimizer a <see cref="Trainer{TField}"/> builds.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (Kingma and Ba 2015); weight decay, if any, is added to the gradient (L2). The paper's choice.</summary>
    Adam,

    /// <summary>AdamW (Loshchilov and Hutter 2019): weight decay applied to the parameters, decoupled from the gradient.</summary>
    AdamW,
}

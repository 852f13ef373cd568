namespace MeanFlow.Models.Mlp;

/// <summary>How <see cref="MlpVelocityField"/> presents each time input (t, t − r, …) to its first layer.</summary>
public enum MlpTimeFeatures
{
    /// <summary>The time input itself, multiplied by the time scale: one column per input. On low-dimensional data a
    /// small MLP learns fastest from this (docs/articles/results-toy2d.md, the ablation table).</summary>
    Raw,

    /// <summary>Its sinusoidal embedding (<see cref="Layers.FrequencyEmbedding"/> of the scaled input, as in DiT):
    /// 2·frequencies columns per input.</summary>
    Sinusoidal,
}

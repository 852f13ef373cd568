using System;
using System.Linq;
using MeanFlow.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.DiT;

public sealed partial class MeanFlowDiT
{
    /// <summary>
    /// DiT's <c>initialize_weights</c>: every linear layer xavier-uniform with zero bias; the patch embedding like a
    /// linear layer (xavier-uniform on its weight viewed as (D, C·p·p)); the sine-cosine table into
    /// <c>pos_embed</c>; the class table and the timestep MLPs' weights N(0, 0.02²); and zero for every adaLN
    /// modulation output and for the final linear layer. The network then outputs u = 0 for every input, and
    /// its JVP is 0.
    /// </summary>
    /// <param name="generator">Source of the random values; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    public void InitializeWeights(Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var linear in modules().OfType<DualLinear>())
        {
            XavierUniform(linear.Weight, generator);
            linear.Bias?.zero_();
        }
        var projection = x_embedder.Projection;
        XavierUniform(projection.Weight.view(projection.OutChannels, -1), generator);
        projection.Bias?.zero_();

        var g = Config.GridSize;
        pos_embed.copy_(SinCosPositionEmbedding.Create2D(Config.HiddenSize, g, g, ScalarType.Float64).unsqueeze(0));
        y_embedder?.Weight.normal_(0, 0.02, generator);
        foreach (var embedder in new[] { t_embedder, r_embedder, interval_embedder })
        {
            if (embedder is null) continue;
            foreach (var (name, parameter) in embedder.named_parameters())
                if (name.EndsWith("weight", StringComparison.Ordinal)) parameter.normal_(0, 0.02, generator);
        }
        foreach (var block in blocks)
        {
            block.AdaLNModulation.Weight.zero_();
            block.AdaLNModulation.Bias!.zero_();
        }
        foreach (var linear in new[] { final_layer.AdaLNModulation, final_layer.Linear })
        {
            linear.Weight.zero_();
            linear.Bias!.zero_();
        }
    }

    /// <summary>Glorot/Xavier uniform for a (fan_out, fan_in) matrix: U(±√(6 / (fan_in + fan_out))), as
    /// <c>nn.init.xavier_uniform_</c> (written out because TorchSharp's takes no generator).</summary>
    private static void XavierUniform(Tensor weight, Generator? generator)
    {
        var bound = Math.Sqrt(6.0 / (weight.shape[0] + weight.shape[1]));
        weight.uniform_(-bound, bound, generator);
    }
}

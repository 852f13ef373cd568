using System;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Jvp;
using MeanFlow.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.DiT;

/// <summary>
/// The MeanFlow diffusion transformer u_θ(z, r, t | c) (Geng et al. 2025, §5; laid out like the PyTorch
/// <c>MFDiT</c> of haidog-yaqub/MeanFlow): patch embedding plus a fixed 2-D sine-cosine position embedding;
/// conditioning c = Σ timestep embeddings of the time inputs (+ class embedding); DiT blocks with RMSNorm,
/// adaLN-Zero modulation and qk-norm attention; a modulated final layer; unpatchify. It propagates tangents
/// itself (<see cref="ITangentVelocityField"/>), so MeanFlow's JVP rides along the forward pass.
/// </summary>
/// <remarks>
/// <para>State-dict keys follow MFDiT's: <c>x_embedder.proj.{weight,bias}</c>, <c>pos_embed</c> (1, N, D),
/// <c>t_embedder.mlp.{0,2}.{weight,bias}</c> (input t), <c>r_embedder.mlp.*</c> (input r),
/// <c>interval_embedder.mlp.*</c> (input t − r; MFDiT has none), <c>y_embedder.embedding.weight</c> (K + 1, D),
/// <c>blocks.{i}.attn.{qkv,proj}.{weight,bias}</c>, <c>blocks.{i}.attn.{q,k}_norm.weight</c>,
/// <c>blocks.{i}.mlp.{fc1,fc2}.{weight,bias}</c>, <c>blocks.{i}.adaLN_modulation.1.{weight,bias}</c>,
/// <c>final_layer.linear.*</c>, <c>final_layer.adaLN_modulation.1.*</c>. The embedders are named after the
/// quantity they embed, so a checkpoint of MFDiT (which embeds (t, r)) loads only into a model with
/// <see cref="TimeConditioning.TimeAndStart"/>; with another conditioning the loader reports the difference.</para>
/// <para><c>pos_embed</c> is a buffer (fixed, not trained), as in DiT; MFDiT trains it, and a loaded value is used as is.</para>
/// </remarks>
public sealed partial class MeanFlowDiT : nn.Module, ITangentVelocityField
{
    private readonly PatchEmbed x_embedder;
    private readonly TimestepEmbedder? t_embedder;
    private readonly TimestepEmbedder? r_embedder;
    private readonly TimestepEmbedder? interval_embedder;
    private readonly ClassEmbedder? y_embedder;
    private readonly Tensor pos_embed;
    private readonly ModuleList<DiTBlock> blocks;
    private readonly FinalLayer final_layer;

    /// <summary>Creates the network and initialises it with <see cref="InitializeWeights"/> (u = 0 everywhere).</summary>
    /// <param name="config">The shape of the network.</param>
    /// <param name="generator">Source of the random initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> is null.</exception>
    public MeanFlowDiT(MeanFlowDiTConfig config, Generator? generator = null, Device? device = null, ScalarType? dtype = null)
        : base(nameof(MeanFlowDiT))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        long d = config.HiddenSize;
        var mode = config.Conditioning;
        x_embedder = new PatchEmbed(config.InChannels, d, config.PatchSize, true, device, dtype);
        if (mode != TimeConditioning.IntervalOnly) t_embedder = Timestep(config, device, dtype);
        if (mode is TimeConditioning.TimeAndStart or TimeConditioning.TimeStartAndInterval) r_embedder = Timestep(config, device, dtype);
        if (mode != TimeConditioning.TimeAndStart) interval_embedder = Timestep(config, device, dtype);
        if (config.IsConditional) y_embedder = new ClassEmbedder(config.Classes, d, device, dtype);
        pos_embed = SinCosPositionEmbedding.Create2D(d, config.GridSize, config.GridSize, dtype ?? get_default_dtype(), device)
            .unsqueeze(0).DetachFromDisposeScope();                                                       // (1, N, D)
        blocks = new ModuleList<DiTBlock>(Enumerable.Range(0, config.Depth)
            .Select(_ => new DiTBlock(d, config.Heads, config.MlpHiddenSize, device, dtype)).ToArray());
        final_layer = new FinalLayer(d, (long)config.PatchSize * config.PatchSize * config.InChannels, device, dtype);
        RegisterComponents();
        InitializeWeights(generator);
    }

    /// <summary>The shape of the network.</summary>
    public MeanFlowDiTConfig Config { get; }

    /// <summary>The time inputs of the network.</summary>
    public TimeConditioning Conditioning => Config.Conditioning;

    /// <inheritdoc />
    /// <remarks>z has shape (B, C, S, S) and the result too. For a class-conditional model, labels are int64 (B,)
    /// in [0, K], K = <see cref="MeanFlowDiTConfig.Classes"/> being the null class ∅; <c>null</c> labels mean ∅ for
    /// every row. An unconditional model takes no labels.</remarks>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, or labels were given to an unconditional model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        return Forward(new Dual(z), new Dual(r), new Dual(t), labels).Primal.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>The tangent (dz, dr, dt) covers the leading K = <c>tangent.Rows</c> ≤ B rows; labels as in
    /// <see cref="AverageVelocity"/>. The value is bit-identical to <see cref="AverageVelocity"/>'s.</remarks>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, or labels were given to an unconditional model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public JvpOutput AverageVelocityWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(tangent);
        CheckTangent(z, tangent);
        using var scope = NewDisposeScope();
        var u = Forward(new Dual(z, tangent.Z), new Dual(r, tangent.R), new Dual(t, tangent.T), labels);
        return new JvpOutput(u.Primal, u.Tangent!).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The network on pairs of values and tangents: u(z, r, t | c) on all B rows and, when the inputs carry
    /// tangents of their leading K rows, its JVP on those rows.
    /// </summary>
    /// <param name="z">Noisy images (B, C, S, S), tangent (K, C, S, S) or none.</param>
    /// <param name="r">Start times (B,), tangent (K,) or none, as <paramref name="z"/>.</param>
    /// <param name="t">End times (B,), tangent (K,) or none, as <paramref name="z"/>.</param>
    /// <param name="labels">Labels as in <see cref="AverageVelocity"/>, int64 (B,), or <c>null</c>.</param>
    /// <returns>u, shape (B, C, S, S), and its tangent (K, C, S, S) when the inputs have tangents.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, the inputs' tangents differ,
    /// or labels were given to an unconditional model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public Dual Forward(Dual z, Dual r, Dual t, Tensor? labels)
    {
        CheckInputs(z, r, t, labels);
        using var scope = NewDisposeScope();
        var x = x_embedder.call(z) + pos_embed;                                               // (B, N, D)
        var c = EmbedTimes(r, t);                                                             // (B, D)
        if (y_embedder is not null) c = c + y_embedder.call(labels ?? NullLabels(z.Primal));  // (B, D)
        foreach (var block in blocks) x = block.call(x, c);                                   // (B, N, D)
        x = final_layer.call(x, c);                                                           // (B, N, p·p·C)
        var g = Config.GridSize;
        return Unpatchify.Apply(x, Config.InChannels, Config.PatchSize, g, g).MoveToOuter(scope);   // (B, C, S, S)
    }

    /// <summary>Σ of the timestep embeddings of the time inputs, in MFDiT's order (t first).</summary>
    private Dual EmbedTimes(Dual r, Dual t) => Conditioning switch
    {
        TimeConditioning.TimeAndInterval => t_embedder!.call(t) + interval_embedder!.call(t - r),
        TimeConditioning.TimeAndStart => t_embedder!.call(t) + r_embedder!.call(r),
        TimeConditioning.TimeStartAndInterval => t_embedder!.call(t) + r_embedder!.call(r) + interval_embedder!.call(t - r),
        _ => interval_embedder!.call(t - r),
    };

    private Tensor NullLabels(Tensor z) => full(z.shape[0], (long)Config.Classes, dtype: ScalarType.Int64, device: z.device);

    private static TimestepEmbedder Timestep(MeanFlowDiTConfig config, Device? device, ScalarType? dtype) =>
        new(config.HiddenSize, config.FrequencyDimension, config.TimeScale, device: device, dtype: dtype);
}

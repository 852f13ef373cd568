using MeanFlow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable 2-D convolution with a square kernel, as <c>nn.Conv2d</c> (parameters <c>weight</c>
/// (out, in / groups, k, k) and <c>bias</c>, same initialisation). Convolution is linear in its input, so
/// dy = conv(dx, W) without bias. Used for patch embedding (kernel = stride = patch) and the U-Net.
/// </summary>
public sealed class DualConv2d : nn.Module<Dual, Dual>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly long _stride, _padding, _dilation, _groups;

    /// <summary>Creates the layer, initialised like <c>nn.Conv2d</c> (uniform in ±1/√(in / groups · k²)).</summary>
    /// <param name="inChannels">Input channels, ≥ 1, divisible by <paramref name="groups"/>.</param>
    /// <param name="outChannels">Output channels, ≥ 1, divisible by <paramref name="groups"/>.</param>
    /// <param name="kernelSize">Kernel height and width, ≥ 1.</param>
    /// <param name="stride">Stride, ≥ 1. The default is 1.</param>
    /// <param name="padding">Zero padding on each side, ≥ 0. The default is 0.</param>
    /// <param name="dilation">Dilation, ≥ 1. The default is 1.</param>
    /// <param name="groups">Groups, ≥ 1. The default is 1.</param>
    /// <param name="hasBias">Whether to add a bias. The default is <c>true</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">A size is out of range or the channels are not divisible by the groups.</exception>
    public DualConv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0,
        long dilation = 1, long groups = 1, bool hasBias = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(DualConv2d))
    {
        Guard.Positive(inChannels, nameof(inChannels));
        Guard.Positive(outChannels, nameof(outChannels));
        Guard.Positive(kernelSize, nameof(kernelSize));
        Guard.Positive(stride, nameof(stride));
        Guard.Positive(dilation, nameof(dilation));
        Guard.Positive(groups, nameof(groups));
        if (padding < 0) throw new System.ArgumentOutOfRangeException(nameof(padding), padding, $"padding must be ≥ 0; got {padding}.");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new System.ArgumentOutOfRangeException(nameof(groups), groups,
                $"inChannels ({inChannels}) and outChannels ({outChannels}) must be divisible by groups; got groups = {groups}.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        (_stride, _padding, _dilation, _groups) = (stride, padding, dilation, groups);
        weight = new Parameter(empty(new[] { outChannels, inChannels / groups, kernelSize, kernelSize }, dtype: dtype, device: device));
        if (hasBias) bias = new Parameter(empty(new[] { outChannels }, dtype: dtype, device: device));
        LayerInit.Uniform(weight, bias, inChannels / groups * kernelSize * kernelSize);
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel height and width.</summary>
    public long KernelSize { get; }

    /// <summary>The kernel, shape (out, in / groups, k, k).</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, shape (out,), or <c>null</c>.</summary>
    public Parameter? Bias => bias;

    /// <summary>y = conv(x, W) + b and dy = conv(dx, W).</summary>
    /// <param name="x">Input, shape (B, in, H, W), with H and W at least the dilated kernel minus twice the padding.</param>
    /// <returns>Output, shape (B, out, H′, W′).</returns>
    /// <exception cref="System.ArgumentException">The shape of <paramref name="x"/> does not fit.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), $"[B, {InChannels}, H, W]", dims: 4, dim: 1, size: InChannels);
        var reach = _dilation * (KernelSize - 1) + 1 - 2 * _padding;
        if (x.Primal.shape[2] < reach || x.Primal.shape[3] < reach)
            throw new System.ArgumentException(
                $"x of shape {Guard.Shape(x.Primal)} is smaller than the kernel's reach ({reach} after padding).", nameof(x));
        using var scope = NewDisposeScope();
        var y = Convolve(x.Primal, bias);
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        using (no_grad()) dy = Convolve(x.Tangent, null);
        return new Dual(y, dy).MoveToOuter(scope);
    }

    private Tensor Convolve(Tensor x, Tensor? b) =>
        nn.functional.conv2d(x, weight, b, new[] { _stride, _stride }, new[] { _padding, _padding }, new[] { _dilation, _dilation }, _groups);
}

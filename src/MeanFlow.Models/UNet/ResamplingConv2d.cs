using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Internal;
using MeanFlow.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.UNet;

/// <summary>
/// Tangent-capable 2-D convolution with optional 2× resampling, as EDM's <c>Conv2d</c> (non-fused path): first
/// the resampling with the separable FIR filter f⊗f / (Σf)² (depthwise, stride 2; transposed and ×4 for
/// upsampling), then a k×k convolution with zero padding k/2, then the bias. Everything is linear in x, so the
/// tangent goes through the same operations without the bias. State-dict keys as EDM: <c>weight</c>
/// (out, in, k, k), <c>bias</c> (out,) and, with resampling, the buffer <c>resample_filter</c> (1, 1, L, L).
/// </summary>
/// <remarks>With filter [1, 1] the resampling is 2×2 average pooling (down) and nearest-neighbour upsampling
/// (up), as <see cref="Downsample2x"/> and <see cref="Upsample2x"/>; [1, 3, 3, 1] is the smoother filter of
/// NCSN++ that py-meanflow uses.</remarks>
public sealed class ResamplingConv2d : nn.Module<Dual, Dual>
{
    private readonly Parameter? weight;
    private readonly Parameter? bias;
    private readonly Tensor? resample_filter;
    private readonly long _padding;

    /// <summary>Creates the layer with EDM's default initialisation: xavier-uniform weight, zero bias (drawn
    /// from the global generator; <see cref="Initialize"/> redraws it).</summary>
    /// <param name="inChannels">Input channels, ≥ 1.</param>
    /// <param name="outChannels">Output channels, ≥ 1; equal to <paramref name="inChannels"/> when <paramref name="kernel"/> is 0.</param>
    /// <param name="kernel">Kernel size k, odd, or 0 for no convolution (resampling only). </param>
    /// <param name="hasBias">Whether to add a bias (ignored when <paramref name="kernel"/> is 0). The default is <c>true</c>.</param>
    /// <param name="resampling">Resampling before the convolution. The default is <see cref="Resampling.None"/>.</param>
    /// <param name="filter">The 1-D resampling filter taps, an even number of finite values with non-zero sum;
    /// <c>null</c> for [1, 1]. Used only with resampling.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters and the filter. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or the filter is out of range.</exception>
    public ResamplingConv2d(long inChannels, long outChannels, long kernel, bool hasBias = true, Resampling resampling = Resampling.None,
        IReadOnlyList<double>? filter = null, Device? device = null, ScalarType? dtype = null) : base(nameof(ResamplingConv2d))
    {
        Guard.Positive(inChannels, nameof(inChannels));
        Guard.Positive(outChannels, nameof(outChannels));
        if (kernel < 0 || (kernel > 0 && kernel % 2 == 0))
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, $"kernel must be 0 (no convolution) or odd; got {kernel}.");
        if (kernel == 0 && outChannels != inChannels)
            throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels,
                $"Without a convolution (kernel 0) outChannels must equal inChannels ({inChannels}); got {outChannels}.");
        if (!Enum.IsDefined(resampling))
            throw new ArgumentOutOfRangeException(nameof(resampling), resampling, $"Unknown resampling {resampling}.");
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Resampling = resampling;
        if (kernel > 0)
        {
            weight = new Parameter(empty(new[] { outChannels, inChannels, kernel, kernel }, dtype: dtype, device: device));
            if (hasBias) bias = new Parameter(empty(new[] { outChannels }, dtype: dtype, device: device));
        }
        if (resampling != Resampling.None)
        {
            var taps = CheckFilter(filter ?? new[] { 1.0, 1.0 }, nameof(filter));
            _padding = (taps.Length - 1) / 2;
            using var f = tensor(taps, dtype: ScalarType.Float64);
            resample_filter = f.outer(f).div_(f.sum().square()).view(1, 1, taps.Length, taps.Length)
                .to(dtype ?? get_default_dtype()).to(device ?? CPU);
        }
        Initialize(EdmInit.Standard, null);
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel size, or 0 for no convolution.</summary>
    public long Kernel { get; }

    /// <summary>The resampling before the convolution.</summary>
    public Resampling Resampling { get; }

    /// <summary>The kernel, shape (out, in, k, k), or <c>null</c> when <see cref="Kernel"/> is 0.</summary>
    public Parameter? Weight => weight;

    /// <summary>The bias, shape (out,), or <c>null</c>.</summary>
    public Parameter? Bias => bias;

    /// <summary>EDM's initialisation: weight xavier-uniform (fan_in = in·k², fan_out = out·k²) times
    /// <paramref name="gain"/>, bias zero.</summary>
    /// <param name="gain">Factor on the xavier-uniform draw: 1 (EDM's <c>init</c>), 1e-5 (<c>init_zero</c>),
    /// √0.2 (<c>init_attn</c>) or 0 for exact zeros.</param>
    /// <param name="generator">Random generator, or <c>null</c> for the global one.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gain"/> is negative or not finite.</exception>
    public void Initialize(double gain, Generator? generator = null)
    {
        if (!(gain >= 0) || !double.IsFinite(gain))
            throw new ArgumentOutOfRangeException(nameof(gain), gain, $"gain must be a finite number ≥ 0; got {gain}.");
        if (weight is null) return;
        var area = Kernel * Kernel;
        EdmInit.XavierUniform(weight, bias, InChannels * area, OutChannels * area, gain, generator);
    }

    /// <summary>Resamples, convolves and adds the bias; the tangent without the bias.</summary>
    /// <param name="x">Input, shape (B, in, H, W); H and W even for downsampling.</param>
    /// <returns>Output (B, out, H′, W′) with H′ = H, 2H or H/2 for no, up- or downsampling.</returns>
    /// <exception cref="ArgumentException">The shape of <paramref name="x"/> does not fit.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), $"[B, {InChannels}, H, W]", dims: 4, dim: 1, size: InChannels);
        if (Resampling == Resampling.Down && (x.Primal.shape[2] % 2 != 0 || x.Primal.shape[3] % 2 != 0))
            throw new ArgumentException($"Downsampling needs even height and width; got x of shape {Guard.Shape(x.Primal)}.", nameof(x));
        using var scope = NewDisposeScope();
        var y = Apply(x.Primal, bias);
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        if (x.TangentRows == 0)
        {
            var shape = y.shape;
            shape[0] = 0;
            dy = empty(shape, dtype: y.dtype, device: y.device);
        }
        else
        {
            using (no_grad()) dy = Apply(x.Tangent, null);
        }
        return new Dual(y, dy).MoveToOuter(scope);
    }

    private Tensor Apply(Tensor x, Tensor? b)
    {
        if (resample_filter is not null)
        {
            var channels = x.shape[1];
            var f = resample_filter.dtype == x.dtype ? resample_filter : resample_filter.to(x.dtype);
            var stride = new long[] { 2, 2 };
            var padding = new[] { _padding, _padding };
            x = Resampling == Resampling.Up
                ? nn.functional.conv_transpose2d(x, f.mul(4).repeat(channels, 1, 1, 1), null, stride, padding, groups: channels)
                : nn.functional.conv2d(x, f.repeat(channels, 1, 1, 1), null, stride, padding, groups: channels);
        }
        if (weight is null) return x;
        var pad = Kernel / 2;
        return nn.functional.conv2d(x, weight, b, padding: new[] { pad, pad });
    }

    private static double[] CheckFilter(IReadOnlyList<double> filter, string name)
    {
        var taps = filter.ToArray();
        if (taps.Length < 2 || taps.Length % 2 != 0 || taps.Any(v => !double.IsFinite(v)) || taps.Sum() == 0)
            throw new ArgumentOutOfRangeException(name, EdmInit.Join(taps),
                $"{name} must have an even number (≥ 2) of finite taps with a non-zero sum (so that 2× resampling maps H to 2H or H/2 exactly); got {EdmInit.Join(taps)}.");
        return taps;
    }
}

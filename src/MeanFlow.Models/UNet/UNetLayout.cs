using System;
using System.Collections.Generic;
using System.Linq;

namespace MeanFlow.Models.UNet;

/// <summary>What an encoder or decoder entry of the U-Net is.</summary>
internal enum UNetEntryKind
{
    /// <summary>The encoder's first 3×3 convolution (<c>enc.RxR_conv</c>).</summary>
    InputConv,

    /// <summary>A <see cref="UNetBlock"/>.</summary>
    Block,

    /// <summary>The decoder's final GroupNorm (<c>dec.RxR_aux_norm</c>).</summary>
    OutputNorm,

    /// <summary>The decoder's final 3×3 convolution (<c>dec.RxR_aux_conv</c>).</summary>
    OutputConv,
}

/// <summary>One named entry of <c>enc</c> or <c>dec</c> with its channels.</summary>
internal sealed record UNetEntry(string Name, UNetEntryKind Kind, long InChannels, long OutChannels, bool Attention, Resampling Resampling);

/// <summary>
/// The entries of EDM's SongUNet (standard encoder and decoder) for a configuration, named as EDM's
/// <c>enc</c>/<c>dec</c> ModuleDict keys: level l has resolution R·2^−l; the encoder has the input convolution
/// at level 0 and a downsampling block at every other level, then <c>blocks</c> blocks per level; the decoder
/// starts with <c>in0</c> (attention) and <c>in1</c> at the lowest level, an upsampling block at every other
/// level, then <c>blocks + 1</c> blocks per level whose inputs concatenate a skip (the encoder's outputs in
/// reverse), and ends with <c>aux_norm</c> and <c>aux_conv</c> at full resolution.
/// </summary>
internal sealed class UNetLayout
{
    private UNetLayout(IReadOnlyList<UNetEntry> encoder, IReadOnlyList<UNetEntry> decoder)
    {
        Encoder = encoder;
        Decoder = decoder;
    }

    internal IReadOnlyList<UNetEntry> Encoder { get; }

    internal IReadOnlyList<UNetEntry> Decoder { get; }

    internal static UNetLayout Plan(SongUNetOptions o)
    {
        var encoder = new List<UNetEntry>();
        var mult = o.ChannelMultipliers;
        long cout = o.InChannels;
        for (var level = 0; level < mult.Count; level++)
        {
            var res = o.Resolution >> level;
            if (level == 0)
            {
                encoder.Add(new UNetEntry($"{res}x{res}_conv", UNetEntryKind.InputConv, cout, o.ModelChannels, false, Resampling.None));
                cout = o.ModelChannels;
            }
            else encoder.Add(new UNetEntry($"{res}x{res}_down", UNetEntryKind.Block, cout, cout, false, Resampling.Down));
            for (var i = 0; i < o.BlocksPerResolution; i++)
            {
                var cin = cout;
                cout = (long)o.ModelChannels * mult[level];
                encoder.Add(new UNetEntry($"{res}x{res}_block{i}", UNetEntryKind.Block, cin, cout, o.AttentionResolutions.Contains(res), Resampling.None));
            }
        }

        var skips = new Stack<long>(encoder.Select(e => e.OutChannels));
        var decoder = new List<UNetEntry>();
        for (var level = mult.Count - 1; level >= 0; level--)
        {
            var res = o.Resolution >> level;
            if (level == mult.Count - 1)
            {
                decoder.Add(new UNetEntry($"{res}x{res}_in0", UNetEntryKind.Block, cout, cout, true, Resampling.None));
                decoder.Add(new UNetEntry($"{res}x{res}_in1", UNetEntryKind.Block, cout, cout, false, Resampling.None));
            }
            else decoder.Add(new UNetEntry($"{res}x{res}_up", UNetEntryKind.Block, cout, cout, false, Resampling.Up));
            for (var i = 0; i <= o.BlocksPerResolution; i++)
            {
                var cin = cout + skips.Pop();
                cout = (long)o.ModelChannels * mult[level];
                var attention = i == o.BlocksPerResolution && o.AttentionResolutions.Contains(res);
                decoder.Add(new UNetEntry($"{res}x{res}_block{i}", UNetEntryKind.Block, cin, cout, attention, Resampling.None));
            }
            if (level == 0)
            {
                decoder.Add(new UNetEntry($"{res}x{res}_aux_norm", UNetEntryKind.OutputNorm, cout, cout, false, Resampling.None));
                decoder.Add(new UNetEntry($"{res}x{res}_aux_conv", UNetEntryKind.OutputConv, cout, o.OutChannels, false, Resampling.None));
            }
        }
        Check(encoder.Concat(decoder), o);
        return new UNetLayout(encoder, decoder);
    }

    /// <summary>Every normalised channel count fits EDM's GroupNorm rule, and the heads divide every attention's channels.</summary>
    private static void Check(IEnumerable<UNetEntry> entries, SongUNetOptions o)
    {
        foreach (var e in entries)
        {
            var normalized = e.Kind switch
            {
                UNetEntryKind.Block => new[] { e.InChannels, e.OutChannels },
                UNetEntryKind.OutputNorm => new[] { e.InChannels },
                _ => Array.Empty<long>(),
            };
            foreach (var c in normalized)
                if (!EdmInit.GroupNormFits(c))
                    throw new ArgumentOutOfRangeException(nameof(o.ModelChannels), o.ModelChannels,
                        $"Entry {e.Name} normalises {c} channels, which EDM's GroupNorm (min(32, C / 4) groups, at least 4 channels " +
                        $"each) cannot split evenly; choose modelChannels ({o.ModelChannels}) and channelMultipliers " +
                        $"({EdmInit.Join(o.ChannelMultipliers)}) so that every such count is ≥ 4 and divisible by its group count.");
            if (e.Attention && e.OutChannels % o.AttentionHeads != 0)
                throw new ArgumentOutOfRangeException(nameof(o.AttentionHeads), o.AttentionHeads,
                    $"attentionHeads must divide the {e.OutChannels} channels of {e.Name}; got {o.AttentionHeads}.");
        }
    }
}

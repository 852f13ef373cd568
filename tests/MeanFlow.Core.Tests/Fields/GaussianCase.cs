using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using MeanFlow.Fields;
using MeanFlow.Paths;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Fields;

/// <summary>
/// The quantities of a property test on an analytic Gaussian field, drawn by FsCheck: dimension (1–6), per-coordinate
/// means in [−3, 3] and standard deviations (0 with probability 0.1, else [0.05, 2.05]), 1–8 points z in [−6, 6]ᵈ,
/// times t in [0.05, 1] and r in [0, t − 0.05], and the seed of any further noise. Shrinking drops coordinates and
/// rows and moves every value to a simple one (mean 0, std 1, z 0, t 1, r 0, seed 0), so a failure is reported as
/// the smallest case that still fails.
/// </summary>
public sealed record GaussianInput(double[] Mean, double[] Std, double[][] Z, double[] T, double[] R, int NoiseSeed)
{
    internal const double MinInterval = 0.05;

    internal int Dimension => Mean.Length;

    internal int Rows => T.Length;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}], z [{string.Join("; ", Z.Select(r => string.Join(", ", r)))}], " +
        $"t [{string.Join(", ", T)}], r [{string.Join(", ", R)}], noise seed {NoiseSeed}");
}

/// <summary>FsCheck's generator and shrinker of <see cref="GaussianInput"/> (use with <c>[Property(Arbitrary = …)]</c>).</summary>
public static class GaussianArbitrary
{
    /// <summary>The arbitrary FsCheck finds by reflection.</summary>
    public static Arbitrary<GaussianInput> Input() => Arb.From(Generate(), Shrink);

    private static Gen<double> Uniform(double low, double high) =>
        Gen.Choose(0, 1 << 20).Select(i => low + (high - low) * i / (1 << 20));

    private static Gen<GaussianInput> Generate() =>
        from dimension in Gen.Choose(1, 6)
        from rows in Gen.Choose(1, 8)
        from mean in Uniform(-3, 3).ArrayOf(dimension)
        from std in Gen.Frequency((1, Gen.Constant(0.0)), (9, Uniform(0.05, 2.05))).ArrayOf(dimension)
        from z in Uniform(-6, 6).ArrayOf(dimension).ArrayOf(rows)
        from t in Uniform(GaussianInput.MinInterval, 1).ArrayOf(rows)
        from fraction in Uniform(0, 1).ArrayOf(rows)
        from seed in Gen.Choose(0, 10_000)
        select new GaussianInput(mean, std, z, t, t.Zip(fraction, (ti, f) => (ti - GaussianInput.MinInterval) * f).ToArray(), seed);

    private static IEnumerable<GaussianInput> Shrink(GaussianInput c)
    {
        if (c.Dimension > 1)
            yield return c with { Mean = c.Mean[..^1], Std = c.Std[..^1], Z = c.Z.Select(row => row[..^1]).ToArray() };
        if (c.Rows > 1)
            yield return c with { Z = c.Z[..^1], T = c.T[..^1], R = c.R[..^1] };
        for (var d = 0; d < c.Dimension; d++)
        {
            if (c.Mean[d] != 0) yield return c with { Mean = With(c.Mean, d, 0) };
            if (c.Std[d] is not (0 or 1)) yield return c with { Std = With(c.Std, d, 1) };
        }
        for (var i = 0; i < c.Rows; i++)
        {
            if (c.Z[i].Any(v => v != 0)) yield return c with { Z = With(c.Z, i, new double[c.Dimension]) };
            if (c.T[i] != 1) yield return c with { T = With(c.T, i, 1) };
            if (c.R[i] != 0) yield return c with { R = With(c.R, i, 0) };
        }
        if (c.NoiseSeed != 0) yield return c with { NoiseSeed = 0 };
    }

    private static T[] With<T>(T[] values, int index, T value)
    {
        var copy = (T[])values.Clone();
        copy[index] = value;
        return copy;
    }
}

/// <summary>A <see cref="GaussianInput"/> as a field and tensors (float64, CPU).</summary>
internal sealed class GaussianCase
{
    internal GaussianCase(GaussianInput input, bool cosine)
    {
        Schedule = cosine ? new CosineSchedule() : new LinearSchedule();
        Field = new DiagonalGaussianField(input.Mean, input.Std, Schedule);
        Generator = new Generator((ulong)input.NoiseSeed + 1);
        Z = tensor(input.Z.SelectMany(row => row).ToArray(), new long[] { input.Rows, input.Dimension }, dtype: float64);
        T = tensor(input.T, dtype: float64);
        R = tensor(input.R, dtype: float64);
    }

    /// <summary>A fixed case drawn from <paramref name="seed"/> (8 rows of dimension <paramref name="dimension"/>), for
    /// example-based tests: means in [−1, 1], stds in [0.3, 1.5], z standard-normal-ish, t in [0.05, 1], r in [0, t − 0.05].</summary>
    internal GaussianCase(int seed, int dimension, bool cosine) : this(FromSeed(seed, dimension), cosine)
    {
    }

    private static GaussianInput FromSeed(int seed, int dimension)
    {
        const int rows = 8;
        var random = new Random(seed);
        double U(double lo, double hi) => lo + (hi - lo) * random.NextDouble();
        var mean = Enumerable.Range(0, dimension).Select(_ => U(-1, 1)).ToArray();
        var std = Enumerable.Range(0, dimension).Select(_ => U(0.3, 1.5)).ToArray();
        var z = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, dimension).Select(_ => U(-2, 2)).ToArray()).ToArray();
        var t = Enumerable.Range(0, rows).Select(_ => U(GaussianInput.MinInterval, 1)).ToArray();
        var r = t.Select(ti => (ti - GaussianInput.MinInterval) * random.NextDouble()).ToArray();
        return new GaussianInput(mean, std, z, t, r, seed);
    }

    internal ISchedule Schedule { get; }
    internal DiagonalGaussianField Field { get; }
    internal Generator Generator { get; }
    internal Tensor Z { get; }
    internal Tensor T { get; }
    internal Tensor R { get; }
}

using System.Globalization;
using System.Text.Json.Nodes;
using MeanFlow.Data;
using MeanFlow.Evaluation;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Toy2D;

/// <summary>
/// The toy experiment's measures of a point set against held-out data: the energy distance, the sliced 2-Wasserstein
/// distance and, where the distribution has one, the fraction of points where the distribution puts its mass (on the
/// checkerboard's squares; within 0.3 = 3σ of an eight-gaussians mode). The held-out panel, measured against a second
/// held-out draw, gives each measure's floor at this sample size.
/// </summary>
internal static class Toy2DEvaluation
{
    /// <summary>The targets of the main job (issue 12), checked on the checkerboard.</summary>
    internal const double FlowMatchingTarget = 0.92, MeanFlowTarget = 0.88;

    internal static JsonObject Measure(ToyDistribution dataset, Tensor points, Tensor reference, long seed)
    {
        var m = new JsonObject
        {
            ["energyDistance"] = EnergyDistance.Compute(points, reference),
            ["slicedWasserstein"] = SlicedWasserstein.Compute(points, reference, 512, new Generator((ulong)seed + 4000)),
        };
        if (InMass(dataset, points) is { } fraction) m[FractionKey(dataset)!] = fraction;
        return m;
    }

    /// <summary>The metrics.json key of the distribution's mass fraction, or <c>null</c>.</summary>
    internal static string? FractionKey(ToyDistribution dataset) => dataset switch
    {
        ToyDistribution.Checkerboard => "fractionOnBoard",
        ToyDistribution.EightGaussians => "fractionNearMode",
        _ => null,
    };

    /// <summary>A short caption of the measures, for the picture.</summary>
    internal static string Caption(JsonObject m)
    {
        var caption = string.Create(CultureInfo.InvariantCulture,
            $"ED {m["energyDistance"]!.GetValue<double>():G2}, SW {m["slicedWasserstein"]!.GetValue<double>():G2}");
        if (m["fractionOnBoard"] is { } board) caption += string.Create(CultureInfo.InvariantCulture, $", on squares {board.GetValue<double>():P1}");
        if (m["fractionNearMode"] is { } mode) caption += string.Create(CultureInfo.InvariantCulture, $", near a mode {mode.GetValue<double>():P1}");
        return caption;
    }

    /// <summary>The one-line verdict of a checkerboard run against the targets; <paramref name="oneStep"/> names the
    /// one-step model (MeanFlow or iMF; the 88 % target is MeanFlow's, applied to either).</summary>
    internal static string Verdict(double flowMatching100, double oneStep1, string oneStep)
    {
        static string Mark(double value, double target) => value >= target ? "met" : "missed";
        return string.Create(CultureInfo.InvariantCulture,
            $"Targets: 100-step flow matching {flowMatching100:P1} on the squares (≥ {FlowMatchingTarget:P0}: {Mark(flowMatching100, FlowMatchingTarget)}), " +
            $"1-NFE {oneStep} {oneStep1:P1} (≥ {MeanFlowTarget:P0}: {Mark(oneStep1, MeanFlowTarget)}).");
    }

    private static double? InMass(ToyDistribution dataset, Tensor points)
    {
        using var scope = NewDisposeScope();
        Tensor? inside = dataset switch
        {
            ToyDistribution.Checkerboard => ToyDistributions.OnCheckerboard(points),
            ToyDistribution.EightGaussians => ToyDistributions.NearEightGaussiansMode(points),
            _ => null,
        };
        return inside?.to(ScalarType.Float64).mean().item<double>();
    }
}

using System.CommandLine;
using MeanFlow.Losses;
using MeanFlow.TimeSampling;
using static MeanFlow.Samples.SampleCommandLine;

namespace MeanFlow.Samples;

/// <summary>
/// The MeanFlow objective's options that the Toy2D and MNIST samples share: the distribution of the two time draws,
/// the fraction of rows with r ≠ t and the adaptive loss weighting. Each sample gives its own defaults.
/// </summary>
internal sealed class ObjectiveOptions
{
    internal ObjectiveOptions(double distinctFraction, string timeDistribution, double adaptivePower)
    {
        DistinctFraction = Option("distinct-fraction", distinctFraction, "MeanFlow: fraction of rows with r ≠ t");
        TimeDistribution = Choice("time-distribution", timeDistribution, "distribution of the two time draws: uniform or logit-normal",
            "uniform", "logit-normal");
        TimeMean = Option("time-mean", -0.4, "logit-normal time distribution: mean");
        TimeStd = Option("time-std", 1.0, "logit-normal time distribution: standard deviation");
        AdaptivePower = Option("adaptive-power", adaptivePower, "MeanFlow adaptive loss weighting: p (0 = plain squared error)");
        AdaptiveConstant = Option("adaptive-constant", 1e-3, "MeanFlow adaptive loss weighting: c");
    }

    internal Option<double> DistinctFraction { get; }
    internal Option<string> TimeDistribution { get; }
    internal Option<double> TimeMean { get; }
    internal Option<double> TimeStd { get; }
    internal Option<double> AdaptivePower { get; }
    internal Option<double> AdaptiveConstant { get; }

    /// <summary>The options in help order.</summary>
    internal Option[] All => new Option[] { DistinctFraction, TimeDistribution, TimeMean, TimeStd, AdaptivePower, AdaptiveConstant };

    /// <summary>The time distribution both objectives draw from.</summary>
    internal static ITimeDistribution Times(string distribution, double mean, double std) => distribution == "uniform"
        ? new UniformTimeDistribution()
        : new LogitNormalTimeDistribution(mean, std);

    internal ITimeDistribution Times(ParseResult result) =>
        Times(result.GetValue(TimeDistribution)!, result.GetValue(TimeMean), result.GetValue(TimeStd));

    internal MeanFlowTimeSampler TimeSampler(ParseResult result) => new(Times(result), result.GetValue(DistinctFraction));

    /// <summary>The time sampler with another default fraction of rows with r ≠ t, used when the option is not given.</summary>
    internal MeanFlowTimeSampler TimeSampler(ParseResult result, double distinctFractionDefault) =>
        new(Times(result), Given(result, DistinctFraction) ? result.GetValue(DistinctFraction) : distinctFractionDefault);

    internal AdaptiveLossWeighting Weighting(ParseResult result) =>
        new(result.GetValue(AdaptivePower), result.GetValue(AdaptiveConstant));

    /// <summary>The weighting with another default constant c, used when the option is not given.</summary>
    internal AdaptiveLossWeighting Weighting(ParseResult result, double constantDefault) =>
        new(result.GetValue(AdaptivePower), Given(result, AdaptiveConstant) ? result.GetValue(AdaptiveConstant) : constantDefault);

    private static bool Given(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };
}

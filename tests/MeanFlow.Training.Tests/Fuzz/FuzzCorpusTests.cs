using System;
using System.IO;
using System.Linq;
using MeanFlow.Reliability.Fuzz;
using Xunit;

namespace MeanFlow.Tests.Training.Fuzz;

/// <summary>
/// Replays the checked-in fuzz corpus (Fuzz/Corpus/target/: the valid seeds and every input that once found a bug,
/// named finding-*) and a short deterministic mutation run of every reader. The long campaign is
/// <c>dotnet run -c Release --project benchmarks/MeanFlow.Reliability -- fuzz --seconds 600</c> (docs/articles/reliability.md).
/// </summary>
public class FuzzCorpusTests
{
    public static TheoryData<string> Targets() => new(FuzzTargets.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryCorpusFileGivesTheDocumentedExceptionOrAResult(string name)
    {
        var target = FuzzTargets.Named(name);
        var folder = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Corpus", name);
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToArray();
        Assert.Contains(files, f => Path.GetFileName(f).StartsWith("seed-", StringComparison.Ordinal));
        using var work = new TempFolder();
        var campaign = new FuzzCampaign(work.Path);
        foreach (var file in files)
        {
            var outcome = campaign.Run(target, File.ReadAllBytes(file));
            Assert.True(outcome.Failure is null, $"{name}/{Path.GetFileName(file)}: {outcome.Failure}");
            // A seed is a valid file: the reader must accept it, or the mutations test only the first check.
            if (Path.GetFileName(file).StartsWith("seed-", StringComparison.Ordinal))
                Assert.False(outcome.Documented, $"{name}/{Path.GetFileName(file)} is a seed but the reader rejected it.");
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void ShortMutationRunFindsNothing(string name)
    {
        var target = FuzzTargets.Named(name);
        var seeds = target.Seeds();
        var random = new Random(20261202);
        using var work = new TempFolder();
        var campaign = new FuzzCampaign(work.Path);
        var documented = 0;
        const int inputs = 60;
        for (var i = 0; i < inputs; i++)
        {
            var mutant = Mutator.Mutate(seeds[random.Next(seeds.Count)], seeds[random.Next(seeds.Count)], random);
            if (target.Fixup is { } fix) mutant = fix(mutant);
            var outcome = campaign.Run(target, mutant);
            Assert.True(outcome.Failure is null, $"{name}, mutant {i} ({Convert.ToHexString(mutant.AsSpan(0, Math.Min(64, mutant.Length)))}…): {outcome.Failure}");
            if (outcome.Documented) documented++;
        }
        // The mutations must reach the readers' checks (some rejected) without rejecting everything (some accepted is
        // not guaranteed for every format, so only the first is asserted).
        Assert.True(documented > 0, $"{name}: none of {inputs} mutants was rejected; the mutator does nothing.");
    }
}

using Xunit.Sdk;

namespace MeanFlow.Tests;

public class SharedDataTests
{
    [Fact]
    public void MissingDatasetSkipsLocallyButFailsUnderCi()
    {
        var error = Record.Exception(() => SharedData.Folder("no-such-dataset-" + Guid.NewGuid().ToString("N")));
        Assert.NotNull(error);
        Assert.Contains("no-such-dataset", error!.Message);
        if (SharedData.RunningInCi) Assert.IsType<FailException>(error);
        else Assert.IsType<Xunit.SkipException>(error); // Xunit.SkippableFact turns this into a skip
    }

    [Fact]
    public void RepositoryRootHoldsTheSolution() =>
        Assert.True(System.IO.File.Exists(System.IO.Path.Combine(SharedData.RepositoryRoot, "MeanFlow.sln")));
}

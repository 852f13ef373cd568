using System.IO;

namespace MeanFlow.Models.Tests.Checkpoints;

/// <summary>The PyTorch fixtures copied next to the test binaries.</summary>
internal static class Fixtures
{
    internal static string File(string name) => Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Fixtures", name);
}

namespace MeanFlow.Benchmarks;

/// <summary>Per-layer timing of the DiT forward with and without tangent (filled in when profiling).</summary>
internal static class LayerProfile
{
    internal static void Run(int rounds)
    {
        System.Console.WriteLine($"profile: {rounds} rounds (not implemented yet)");
    }
}

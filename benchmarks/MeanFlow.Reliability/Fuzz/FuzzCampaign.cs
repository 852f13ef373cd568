using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using static TorchSharp.torch;

namespace MeanFlow.Reliability.Fuzz;

/// <summary>What one input did to its reader.</summary>
/// <param name="Failure">The exception if it is not one the reader documents, else <c>null</c>.</param>
/// <param name="Documented">Whether the reader threw one of its documented exceptions.</param>
/// <param name="AllocatedBytes">Managed bytes allocated while reading.</param>
public sealed record FuzzOutcome(Exception? Failure, bool Documented, long AllocatedBytes);

/// <summary>
/// Runs a reader on inputs and classifies the result. The input is written to a file first (the readers take paths);
/// the file stays behind as <c>current-input</c> if the process dies (a native crash) and a watchdog ends the
/// process with exit code 3 after <see cref="HangSeconds"/> (a hang), leaving the same file.
/// </summary>
public sealed class FuzzCampaign
{
    /// <summary>Seconds one input may take before it counts as a hang.</summary>
    public const int HangSeconds = 20;

    /// <summary>Managed bytes one input may allocate: inputs are at most 1 MiB, so anything above this is an
    /// allocation sized by a declared length that was not checked against the file.</summary>
    public const long AllocationCap = 256L << 20;

    private readonly string _folder;
    private long _startedTicks;
    private volatile string _current = "";

    /// <summary>Creates a campaign that writes inputs to <paramref name="folder"/>.</summary>
    public FuzzCampaign(string folder)
    {
        _folder = folder;
        Directory.CreateDirectory(folder);
        var watchdog = new Thread(Watch) { IsBackground = true, Name = "fuzz watchdog" };
        watchdog.Start();
    }

    /// <summary>The file an input is written to before it is read.</summary>
    public string CurrentInput(FuzzTarget target) => Path.Combine(_folder, "current-input" + target.Extension);

    /// <summary>Reads one input and classifies what happened.</summary>
    public FuzzOutcome Run(FuzzTarget target, byte[] input)
    {
        target.Prepare?.Invoke();
        var path = CurrentInput(target);
        File.WriteAllBytes(path, input);
        _current = path;
        var before = GC.GetAllocatedBytesForCurrentThread();
        Interlocked.Exchange(ref _startedTicks, Stopwatch.GetTimestamp());
        try
        {
            using var scope = NewDisposeScope();
            target.Run(path);
            return Outcome(null, false);
        }
        catch (Exception e)
        {
            if (Environment.GetEnvironmentVariable("FUZZ_STACK") == "1") Console.WriteLine($"{e.GetType().Name}: {e.Message}");
            return target.IsAllowed(e) ? Outcome(null, true) : Outcome(e, false);
        }
        finally
        {
            Interlocked.Exchange(ref _startedTicks, 0);
        }

        FuzzOutcome Outcome(Exception? failure, bool documented)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if ((failure is null || failure is OutOfMemoryException) && allocated > AllocationCap)
                failure = new InsufficientMemoryException($"The reader allocated {allocated >> 20} MiB for a {input.Length}-byte input.");
            return new FuzzOutcome(failure, documented, allocated);
        }
    }

    /// <summary>A short name for a failure, to count distinct bugs: exception type and the first frame in our code.</summary>
    public static string Signature(Exception e)
    {
        var frame = (e.StackTrace ?? "").Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("MeanFlow.") && !l.Contains(".Reliability."))
                    ?? (e.StackTrace ?? "").Split('\n').FirstOrDefault()?.Trim() ?? "";
        var at = frame.IndexOf(" in ", StringComparison.Ordinal);
        return $"{e.GetType().Name} {(at > 0 ? frame[..at] : frame)}";
    }

    /// <summary>A file name for an input: its content hash.</summary>
    public static string Name(byte[] input) => Convert.ToHexString(SHA256.HashData(input))[..16].ToLowerInvariant();

    private void Watch()
    {
        while (true)
        {
            Thread.Sleep(1000);
            var started = Interlocked.Read(ref _startedTicks);
            if (started != 0 && Stopwatch.GetElapsedTime(started).TotalSeconds > HangSeconds)
            {
                var saved = Path.Combine(_folder, "hang" + Path.GetExtension(_current));
                File.Copy(_current, saved, overwrite: true);
                Console.WriteLine($"HANG: an input took more than {HangSeconds} s; it is {saved}");
                Environment.Exit(3);
            }
        }
    }
}

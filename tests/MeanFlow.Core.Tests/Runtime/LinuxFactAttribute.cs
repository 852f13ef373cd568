namespace MeanFlow.Tests.Runtime;

/// <summary>A fact about Linux's dynamic loader (ELF, glibc, /proc): skipped, with that reason, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless the process runs on Linux.</summary>
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "Linux only: ELF symbol versions and /proc/self/maps do not exist on this OS.";
    }
}

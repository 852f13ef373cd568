using System;
using System.Collections.Generic;

namespace MeanFlow.Runtime;

/// <summary>
/// TorchSharp's native library could not be loaded, for a reason MeanFlow.Core identified (on Linux: a symbol
/// version that the system's libstdc++ or glibc lacks). The message names the library, the versions and the fix;
/// <see cref="Exception.InnerException"/> is TorchSharp's own error.
/// </summary>
public sealed class TorchRuntimeException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public TorchRuntimeException() : this("TorchSharp's native library could not be loaded.") { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed and how to fix it.</param>
    public TorchRuntimeException(string message) : this(message, null) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed and how to fix it.</param>
    /// <param name="innerException">The original load error, or <c>null</c>.</param>
    public TorchRuntimeException(string message, Exception? innerException) : base(message, innerException) { }

    internal TorchRuntimeException(string message, Exception innerException, string library, IReadOnlyList<string> missingVersions)
        : base(message, innerException)
    {
        LibraryPath = library;
        MissingVersions = missingVersions;
    }

    /// <summary>The native library that could not be loaded, or <c>null</c> when unknown.</summary>
    public string? LibraryPath { get; }

    /// <summary>The symbol versions it needs that this system lacks, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
    /// <value>The default is an empty list.</value>
    public IReadOnlyList<string> MissingVersions { get; } = Array.Empty<string>();
}

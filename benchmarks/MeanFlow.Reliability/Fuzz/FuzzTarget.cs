using System;
using System.Collections.Generic;
using System.Linq;

namespace MeanFlow.Reliability.Fuzz;

/// <summary>
/// One parser of outside bytes under test: how to build its valid seed files, how to run it on a file, and which
/// exception types its documentation allows. Any other exception (or a native crash, hang or huge allocation) is a bug.
/// </summary>
/// <param name="Name">Short name, also the corpus folder (e.g. <c>idx-images</c>).</param>
/// <param name="Extension">The file extension the reader sees (some readers recognise content, not names).</param>
/// <param name="Seeds">Valid files, small (a few KB).</param>
/// <param name="Run">Reads the file at the path and disposes what it returned.</param>
/// <param name="Allowed">The documented exception types (a subclass counts).</param>
/// <param name="Fixup">Applied to every mutant before it is read, e.g. to repair a checksum or footer so that the
/// mutation reaches the parser behind it; <c>null</c> for none.</param>
/// <param name="Prepare">Builds what <paramref name="Run"/> reuses (a module, a trainer) outside any dispose scope;
/// <c>null</c> for nothing.</param>
public sealed record FuzzTarget(
    string Name,
    string Extension,
    Func<IReadOnlyList<byte[]>> Seeds,
    Action<string> Run,
    IReadOnlyList<Type> Allowed,
    Func<byte[], byte[]>? Fixup = null,
    Action? Prepare = null)
{
    /// <summary>Whether <paramref name="e"/> is one of the documented failures.</summary>
    public bool IsAllowed(Exception e) => Allowed.Any(t => t.IsInstanceOfType(e));
}

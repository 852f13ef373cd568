using System;
using System.Collections.Generic;
using System.Linq;

namespace MeanFlow.Runtime;

/// <summary>Symbol version names such as <c>GLIBCXX_3.4.32</c>: a family (<c>GLIBCXX</c>) and a dotted number.</summary>
internal static class VersionNames
{
    /// <summary>The text before the last underscore, or the whole name when it has none.</summary>
    internal static string Family(string name)
    {
        int underscore = name.LastIndexOf('_');
        return underscore < 0 ? name : name[..underscore];
    }

    /// <summary>The dotted number after the last underscore (missing or non-numeric parts count as −1).</summary>
    internal static int[] Number(string name)
    {
        int underscore = name.LastIndexOf('_');
        if (underscore < 0) return Array.Empty<int>();
        return name[(underscore + 1)..].Split('.').Select(p => int.TryParse(p, out var n) ? n : -1).ToArray();
    }

    /// <summary>Orders by dotted number, component by component; a prefix sorts first (3.4 before 3.4.1).</summary>
    internal static int Compare(string a, string b)
    {
        int[] x = Number(a), y = Number(b);
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
            if (x[i] != y[i]) return x[i].CompareTo(y[i]);
        return x.Length.CompareTo(y.Length);
    }

    /// <summary>The highest of <paramref name="defined"/> in the family of <paramref name="version"/>, or <c>null</c>.</summary>
    internal static string? HighestOfFamily(IEnumerable<string> defined, string version)
    {
        string family = Family(version);
        string? best = null;
        foreach (var name in defined)
            if (Family(name) == family && (best is null || Compare(name, best) > 0))
                best = name;
        return best;
    }
}

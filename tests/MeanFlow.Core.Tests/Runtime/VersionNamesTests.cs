using System.Linq;
using MeanFlow.Runtime;
using Xunit;

namespace MeanFlow.Tests.Runtime;

public class VersionNamesTests
{
    [Theory]
    [InlineData("GLIBCXX_3.4.9", "GLIBCXX_3.4.30", -1)]
    [InlineData("GLIBCXX_3.4", "GLIBCXX_3.4.1", -1)]
    [InlineData("GLIBC_2.34", "GLIBC_2.4", 1)]
    [InlineData("CXXABI_1.3.13", "CXXABI_1.3.13", 0)]
    public void ComparesDottedNumbersNumerically(string a, string b, int sign)
    {
        Assert.Equal(sign, System.Math.Sign(VersionNames.Compare(a, b)));
        Assert.Equal(-sign, System.Math.Sign(VersionNames.Compare(b, a)));
    }

    [Fact]
    public void HighestOfFamilyIgnoresOtherFamilies()
    {
        var defined = new[] { "GLIBCXX_3.4", "GLIBCXX_3.4.9", "GLIBCXX_3.4.30", "GLIBCXX_3.4.29", "CXXABI_1.3.99", "GLIBCXX_TM_1" };
        Assert.Equal("GLIBCXX_3.4.30", VersionNames.HighestOfFamily(defined, "GLIBCXX_3.4.32"));
        Assert.Equal("CXXABI_1.3.99", VersionNames.HighestOfFamily(defined, "CXXABI_1.3.15"));
        Assert.Null(VersionNames.HighestOfFamily(defined.Where(d => !d.StartsWith("CXXABI")), "CXXABI_1.3"));
        Assert.Equal("GLIBCXX", VersionNames.Family("GLIBCXX_3.4.32"));
        Assert.Equal("GLIBCXX_TM", VersionNames.Family("GLIBCXX_TM_1"));
    }
}

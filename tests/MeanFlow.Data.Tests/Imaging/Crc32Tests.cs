using System;
using System.Text;
using MeanFlow.Imaging;
using Xunit;

namespace MeanFlow.Tests.Imaging;

public class Crc32Tests
{
    [Theory]
    [InlineData("123456789", 0xCBF43926u)]                                    // the CRC-32 check value
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xE8B7BE43u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    [InlineData("IEND", 0xAE426082u)]                                         // the last four bytes of every PNG
    public void MatchesPublishedValues(string text, uint expected) =>
        Assert.Equal(expected, Crc32.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void AppendEqualsComputeOfTheConcatenationAtEverySplit()
    {
        var data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog");
        for (var split = 0; split <= data.Length; split++)
            Assert.Equal(0x414FA339u, Crc32.Append(Crc32.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
    }
}

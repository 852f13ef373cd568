using System.IO;
using MeanFlow.Data;

namespace MeanFlow.Tests.Data;

public class SklearnDigitsTests
{
    [SkippableFact]
    public void ReadsTheRealFile()
    {
        using var scope = NewDisposeScope();
        using var digits = SklearnDigits.Load(SharedData.Folder("sklearn-digits"));
        Assert.Equal(new long[] { 1797, 1, 8, 8 }, digits.Data.shape);
        Assert.Equal(new long[] { 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 }, digits.CountPerClass());
        // First row of the CSV: 0,0,5,13,9,1,0,0, 0,0,13,15,10,15,5,0, ... label 0.
        Assert.Equal(new[] { 0f, 0f, 5 / 16f, 13 / 16f, 9 / 16f, 1 / 16f, 0f, 0f }, digits.Data[0, 0, 0].data<float>().ToArray());
        Assert.Equal(13 / 16f, digits.Data[0, 0, 1, 2].item<float>());
        Assert.Equal(0L, digits.Labels![0].item<long>());
        Assert.Equal(1.0, digits.Data.max().ToDouble());
    }

    [Theory]
    [InlineData("1,2,3\n", "3 values")]
    [InlineData("17" + Sixty3Zeros + ",0\n", "pixel 0 is '17'")]
    [InlineData("0" + Sixty3Zeros + ",x\n", "the label is 'x'")]
    [InlineData("0" + Sixty3Zeros + ",0\n0" + Sixty3Zeros + ",10\n", "line 2: the label is '10'")]
    public void MalformedRowsAreExplained(string csv, string expected)
    {
        using var temp = new TempFolder();
        var path = temp.File("digits.csv");
        File.WriteAllText(path, csv);
        var error = Assert.Throws<InvalidDataException>(() => SklearnDigits.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void AcceptsIntegralDecimalsAndCrLf()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var path = temp.File("d.csv");
        File.WriteAllText(path, "16.0" + Sixty3Zeros + ",3\r\n8" + Sixty3Zeros + ",4\r\n");
        using var digits = SklearnDigits.Load(path);
        Assert.Equal(2, digits.Count);
        Assert.Equal(1f, digits.Data[0, 0, 0, 0].item<float>());
        Assert.Equal(0.5f, digits.Data[1, 0, 0, 0].item<float>());
    }

    private const string Sixty3Zeros =
        ",0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0";
}

using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json.Nodes;
using MeanFlow.Training;

namespace MeanFlow.Tests.Training;

public class TrainingLogTests
{
    /// <summary>Reports at steps 2, 4 and 5 (the last) of a 5-step run with logEvery = 2; the per-step losses come from a
    /// second run with logEvery = 1 (same seed, so the same losses).</summary>
    private static (List<TrainingMetrics> Reports, List<double> Losses) Run(params IProgress<TrainingMetrics>[] sinks)
    {
        using var scope = NewDisposeScope();
        var every = new TrainingFixture.LossRecorder();
        using (var reference = TrainingFixture.NewTrainer(TrainingFixture.Options(5, logEvery: 1)))
        {
            reference.Progress.Add(every);
            reference.Run(TrainingFixture.BatchAt);
        }
        var reports = new TrainingFixture.LossRecorder();
        using var trainer = TrainingFixture.NewTrainer(TrainingFixture.Options(5, logEvery: 2));
        trainer.Progress.Add(reports);
        foreach (var sink in sinks) trainer.Progress.Add(sink);
        trainer.Run(TrainingFixture.BatchAt);
        return (reports.Reports, every.Losses.Select(l => l.Loss).ToList());
    }

    [Fact]
    public void ReportsCarryTheStepsMetricsAndIntervalAverages()
    {
        var (reports, losses) = Run();
        Assert.Equal(new long[] { 2, 4, 5 }, reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(5, r.TotalSteps));
        Assert.Equal(new[] { losses[1], losses[3], losses[4] }, reports.Select(r => r.Loss));
        Assert.Equal((losses[0] + losses[1]) / 2, reports[0].AverageLoss);
        Assert.Equal((losses[2] + losses[3]) / 2, reports[1].AverageLoss);
        Assert.Equal(losses[4], reports[2].AverageLoss);
        var options = TrainingFixture.Options(5);
        Assert.Equal(new[] { options.LearningRateAt(1), options.LearningRateAt(3), options.LearningRateAt(4) }, reports.Select(r => r.LearningRate));
        Assert.All(reports, r => Assert.True(r.StepsPerSecond > 0 && r.GradientNorm > 0 && r.MeanSquaredError > 0 && r.MeanWeight > 0));
        Assert.True(reports[0].Elapsed > TimeSpan.Zero && reports[0].Elapsed <= reports[2].Elapsed);
    }

    [Fact]
    public void CsvAndJsonLinesHoldEveryReportAtFullPrecision()
    {
        using var fixture = new TrainingFixture();
        List<TrainingMetrics> reports;
        using (var csv = new CsvTrainingLog(fixture.File("logs/train.csv")))
        using (var jsonl = new JsonLinesTrainingLog(fixture.File("logs/train.jsonl")))
            reports = Run(csv, jsonl).Reports;

        var rows = File.ReadAllLines(fixture.File("logs/train.csv"));
        Assert.Equal(CsvTrainingLog.Header, rows[0]);
        Assert.Equal(4, rows.Length);
        var lines = File.ReadAllLines(fixture.File("logs/train.jsonl"));
        Assert.Equal(3, lines.Length);
        for (var i = 0; i < 3; i++)
        {
            var r = reports[i];
            var cells = rows[i + 1].Split(',').Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(new[] { r.Step, r.TotalSteps, r.Loss, r.AverageLoss, r.MeanSquaredError, r.MeanWeight, r.LearningRate,
                r.GradientNorm, r.StepsPerSecond, r.Elapsed.TotalSeconds }, cells);
            var json = JsonNode.Parse(lines[i])!.AsObject();
            Assert.Equal(r.Step, json["step"]!.GetValue<long>());
            Assert.Equal(r.Loss, json["loss"]!.GetValue<double>());
            Assert.Equal(r.GradientNorm, json["gradNorm"]!.GetValue<double>());
            Assert.Equal(r.LearningRate, json["learningRate"]!.GetValue<double>());
        }

        // Appending (a resumed run) keeps the rows and does not repeat the header.
        using (var again = new CsvTrainingLog(fixture.File("logs/train.csv"), append: true)) again.Report(reports[2]);
        var appended = File.ReadAllLines(fixture.File("logs/train.csv"));
        Assert.Equal(5, appended.Length);
        Assert.Equal(rows[3], appended[4]);
    }

    [Fact]
    public void TensorBoardEventFileIsValidAndHoldsTheScalars()
    {
        using var fixture = new TrainingFixture();
        var board = new TensorBoardTrainingLog(fixture.File("tb"));
        var reports = Run(board).Reports;

        var file = Assert.Single(Directory.GetFiles(fixture.File("tb")));
        Assert.StartsWith("events.out.tfevents.", Path.GetFileName(file));
        var events = TfRecords(File.ReadAllBytes(file)).Select(Tensorboard.Event.Parser.ParseFrom).ToList();
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        var scalars = events.Skip(1).Select(e => (e.Step, e.Summary.Value.Single().Tag, Value: e.Summary.Value.Single().SimpleValue, e.WallTime)).ToList();
        Assert.Equal(3 * 7, scalars.Count);
        foreach (var r in reports)
        {
            Assert.Equal((float)r.Loss, scalars.Single(s => s.Step == r.Step && s.Tag == "train/loss").Value);
            Assert.Equal((float)r.LearningRate, scalars.Single(s => s.Step == r.Step && s.Tag == "train/learning_rate").Value);
            Assert.Equal((float)r.GradientNorm, scalars.Single(s => s.Step == r.Step && s.Tag == "train/grad_norm").Value);
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.All(scalars, s => Assert.InRange(s.WallTime, now - 600, now + 1));   // seconds since the Unix epoch
    }

    /// <summary>Splits TFRecord framing (length, masked CRC-32C of the length, data, masked CRC-32C of the data),
    /// checking both checksums.</summary>
    private static IEnumerable<byte[]> TfRecords(byte[] file)
    {
        var offset = 0;
        while (offset < file.Length)
        {
            var length = BitConverter.ToUInt64(file, offset);
            Assert.Equal(MaskedCrc32C(file.AsSpan(offset, 8)), BitConverter.ToUInt32(file, offset + 8));
            var data = file.AsSpan(offset + 12, (int)length).ToArray();
            Assert.Equal(MaskedCrc32C(data), BitConverter.ToUInt32(file, offset + 12 + (int)length));
            yield return data;
            offset += 12 + (int)length + 4;
        }
    }

    private static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}

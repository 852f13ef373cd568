using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using MeanFlow.Data;
using MeanFlow.Internal;
using ScottPlot;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Toy2D;

/// <summary>The pictures of the toy experiment: one scatter panel per sampler, and the loss curves.</summary>
internal static class Toy2DPlots
{
    internal static void Samples(string path, ToyDistribution dataset, IReadOnlyList<(string Title, Tensor Points, JsonObject Metrics)> panels)
    {
        const int size = 360;
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        for (var i = 0; i < panels.Count; i++)
        {
            var (title, points, metrics) = panels[i];
            var plot = multiplot.GetPlot(i);
            var xy = points.to(ScalarType.Float64).cpu();
            var xs = xy[.., 0].data<double>().ToArray();
            var ys = xy[.., 1].data<double>().ToArray();
            var scatter = plot.Add.ScatterPoints(xs, ys);
            scatter.MarkerSize = 1f;
            scatter.Color = i == 0 ? Colors.Gray : Colors.C0;
            plot.Title(title + "\n" + Toy2DEvaluation.Caption(metrics), size: 12);
            plot.Axes.SetLimits(-3, 3, -3, 3);
            plot.Axes.SquareUnits();
        }
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        AtomicFile.Write(path, multiplot.Render(size * panels.Count, size + 40).GetImageBytes(ImageFormat.Png));
    }

    internal static void LossCurves(string path, IReadOnlyDictionary<string, List<(long Step, double Loss)>> curves)
    {
        var plot = new Plot();
        foreach (var (name, points) in curves)
        {
            var line = plot.Add.ScatterLine(points.Select(p => (double)p.Step).ToArray(), points.Select(p => p.Loss).ToArray());
            line.LegendText = name;
        }
        plot.Axes.Left.Label.Text = "training loss (each objective's own)";
        plot.Axes.Bottom.Label.Text = "step";
        plot.Title("Training loss");
        plot.ShowLegend();
        AtomicFile.Write(path, plot.GetImageBytes(720, 420, ImageFormat.Png));
    }
}

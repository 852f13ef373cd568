using System;
using System.IO;
using MeanFlow.Data;
using MeanFlow.Samples;
using MeanFlow.Samples.Toy2D;
using Spectre.Console;

// The main job: MeanFlow vs flow matching on a 2-D distribution, embedded default, no downloads.
var cli = Toy2DOptions.Declare();
try
{
    cli.Parse(args);
    if (cli.HelpRequested)
    {
        Console.WriteLine(cli.Usage());
        return 0;
    }
    var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
    var options = Toy2DOptions.From(cli, Path.Combine("runs", $"toy2d-{cli.String("dataset")}-{stamp}"));
    return new Toy2DExperiment(options).Run();
}
catch (ArgumentException e)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}

using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace MeanFlow.Samples;

/// <summary>
/// The samples' command lines on System.CommandLine: each option is declared once with its default and help line,
/// the options several commands share come from the factories here, and an ArgumentException raised while a
/// command runs (a bad value the parser cannot judge) is printed as an error with exit code 2.
/// </summary>
internal static class SampleCommandLine
{
    internal static Option<T> Option<T>(string name, T defaultValue, string help) =>
        new("--" + name) { Description = help, DefaultValueFactory = _ => defaultValue };

    /// <summary>An option without a default value: null when absent (its help says what happens then).</summary>
    internal static Option<string?> Optional(string name, string help) => new("--" + name) { Description = help };

    /// <summary>A string option that accepts only <paramref name="values"/>.</summary>
    internal static Option<string> Choice(string name, string defaultValue, string help, params string[] values)
    {
        var option = Option(name, defaultValue, help);
        option.AcceptOnlyFromAmong(values);
        return option;
    }

    /// <summary>A choice among the members of <typeparamref name="TEnum"/> written in kebab case (TwoMoons: two-moons).</summary>
    internal static Option<string> Choice<TEnum>(string name, TEnum defaultValue, string help) where TEnum : struct, Enum =>
        Choice(name, Kebab(defaultValue.ToString()), help, Enum.GetNames<TEnum>().Select(Kebab).ToArray());

    /// <summary>The enum member a <see cref="Choice{TEnum}"/> value names.</summary>
    internal static TEnum Parse<TEnum>(string value) where TEnum : struct, Enum =>
        Enum.Parse<TEnum>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);

    internal static Option<int> Threads() => Option("threads", 2, "libtorch threads");

    internal static Option<long> Seed(string help = "random seed") => Option("seed", 0L, help);

    internal static Option<string> Device() => Option("device", "cpu", "cpu or cuda");

    /// <summary>The options' values as text, keyed by name without the dashes (config.json, checkpoint metadata).</summary>
    internal static JsonObject Values(ParseResult result, params Option[] options)
    {
        var json = new JsonObject();
        foreach (var option in options)
            json[option.Name.TrimStart('-')] = Convert.ToString(result.GetResult(option)?.GetValueOrDefault<object>(), CultureInfo.InvariantCulture);
        return json;
    }

    /// <summary>Parses <paramref name="args"/> and runs the chosen command.</summary>
    /// <param name="root">The command line; its HelpName is the command users type (dotnet run ... --).</param>
    /// <param name="args">The arguments.</param>
    /// <returns>The command's exit code; 2 for an ArgumentException, 1 for a parse error (which System.CommandLine reports).</returns>
    internal static int Run(RootCommand root, string[] args)
    {
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (ArgumentException e)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            Console.Error.WriteLine("Run with --help for the options.");
            return 2;
        }
    }

    private static string Kebab(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

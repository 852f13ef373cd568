using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace MeanFlow.Samples;

/// <summary>
/// A small "--name value" command-line parser shared by the samples: options are declared with a default
/// and a help line, unknown options and malformed values are errors that name the option.
/// </summary>
internal sealed class CommandLine
{
    private readonly string _program;
    private readonly string _summary;
    private readonly List<(string Name, string Default, string Help)> _options = new();
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    internal CommandLine(string program, string summary)
    {
        _program = program;
        _summary = summary;
    }

    /// <summary>Whether --help was given.</summary>
    internal bool HelpRequested { get; private set; }

    internal CommandLine Option(string name, object defaultValue, string help)
    {
        _options.Add((name, Convert.ToString(defaultValue, CultureInfo.InvariantCulture) ?? "", help));
        return this;
    }

    internal void Parse(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?") { HelpRequested = true; continue; }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"Unexpected argument '{arg}'. Options look like --name value; see --help.");
            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            if (_options.All(o => o.Name != name))
                throw new ArgumentException($"Unknown option --{name}; see --help.");
            if (value is null)
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"Option --{name} needs a value.");
                value = args[++i];
            }
            _values[name] = value;
        }
    }

    internal string Usage()
    {
        var text = new StringBuilder();
        text.AppendLine(_summary).AppendLine().AppendLine($"Usage: {_program} [options]").AppendLine().AppendLine("Options:");
        var width = _options.Max(o => o.Name.Length) + 4;
        foreach (var (name, defaultValue, help) in _options)
            text.AppendLine($"  --{name.PadRight(width)}{help} (default: {(defaultValue.Length == 0 ? "none" : defaultValue)})");
        text.AppendLine($"  --{"help".PadRight(width)}Show this help.");
        return text.ToString();
    }

    internal string String(string name) =>
        _values.TryGetValue(name, out var v) ? v : _options.First(o => o.Name == name).Default;

    internal string? OptionalString(string name)
    {
        var value = String(name);
        return value.Length == 0 ? null : value;
    }

    internal int Int(string name) => Parse(name, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    internal long Long(string name) => Parse(name, s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    internal double Double(string name) => Parse(name, s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));

    internal bool Bool(string name) => Parse(name, s => bool.Parse(s));

    internal T Enum<T>(string name) where T : struct, Enum =>
        Parse(name, s => System.Enum.TryParse<T>(s.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var v)
            ? v
            : throw new FormatException($"expected one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}"));

    private T Parse<T>(string name, Func<string, T> parse)
    {
        var text = String(name);
        try { return parse(text); }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"Option --{name}: cannot read '{text}' ({e.Message}).", e);
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.UNet;

/// <summary>
/// An ordered collection of named submodules: the <c>enc</c> and <c>dec</c> of <see cref="SongUNet"/>, with
/// state-dict keys <c>enc.32x32_conv.weight</c> etc. as EDM's <c>torch.nn.ModuleDict</c>. It stands in for
/// TorchSharp's <c>ModuleDict&lt;T&gt;</c>, whose two indexers make <c>Module.to(...)</c> throw in 0.107
/// (its conversion collects the public properties by name, and both indexers are called "Item").
/// </summary>
internal sealed class NamedModules : nn.Module
{
    private readonly List<(string Name, nn.Module Module)> _entries;
    private bool _registered;

    internal NamedModules(IEnumerable<(string Name, nn.Module Module)> entries) : base("ModuleDict")
    {
        _entries = entries.ToList();
        RegisterComponents();
    }

    /// <summary>The entries in insertion order.</summary>
    internal IReadOnlyList<(string Name, nn.Module Module)> Entries => _entries;

    protected override void RegisterComponents()
    {
        if (_registered) return;
        foreach (var (name, module) in _entries) register_module(name, module);
        _registered = true;
    }
}

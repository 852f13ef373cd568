using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Imf;

/// <summary>
/// The official improved MeanFlow DiT's <c>LabelEmbedder</c>: a table of K + 1 rows (row K is the null class ∅) under
/// the key <c>embedding_table._flax_embedding.weight</c>, as the converted checkpoints name it. Labels are not
/// differentiated; the caller checks their range.
/// </summary>
internal sealed class ClassEmbedder : nn.Module<Tensor, Tensor>
{
    private readonly FlaxEmbedding embedding_table;

    internal ClassEmbedder(long classes, long hiddenSize, Device? device, ScalarType? dtype) : base(nameof(ClassEmbedder))
    {
        embedding_table = new FlaxEmbedding(classes + 1, hiddenSize, device, dtype);
        RegisterComponents();
    }

    /// <summary>The table, shape (K + 1, D).</summary>
    internal Parameter Weight => embedding_table.Table.weight!;

    /// <summary>Looks up int64 labels (B,) in [0, K]: (B, D).</summary>
    public override Tensor forward(Tensor labels) => embedding_table.Table.call(labels);

    /// <summary>An embedding held under the child name <c>_flax_embedding</c>.</summary>
    private sealed class FlaxEmbedding : nn.Module
    {
        private readonly Embedding _flax_embedding;

        internal FlaxEmbedding(long rows, long width, Device? device, ScalarType? dtype) : base(nameof(FlaxEmbedding))
        {
            _flax_embedding = nn.Embedding(rows, width, device: device, dtype: dtype);
            register_module("_flax_embedding", _flax_embedding);
        }

        internal Embedding Table => _flax_embedding;
    }
}

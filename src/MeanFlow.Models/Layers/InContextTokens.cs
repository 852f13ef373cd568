using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// In-context conditioning (the official improved MeanFlow DiT): each condition's embedding e (B, D) is added to a
/// learned table of T tokens (T, D), giving T tokens per row, and the groups are prepended to the patch tokens in
/// the order given. Token i of a group is table[i] + e, so its tangent is de broadcast over the group; concatenation
/// along the token axis maps tangents alike.
/// </summary>
public static class InContextTokens
{
    /// <summary>One condition's tokens: table[None] + e[:, None].</summary>
    /// <param name="table">The learned tokens, shape (T, D).</param>
    /// <param name="embedding">The condition's embedding, shape (B, D), tangent (K, D) or none; a constant (e.g. a
    /// class embedding) is <c>Dual.Constant(e, K)</c>.</param>
    /// <returns>Shape (B, T, D), tangent (K, T, D).</returns>
    /// <exception cref="ArgumentException">The widths differ or a shape does not fit.</exception>
    public static Dual Condition(Tensor table, Dual embedding)
    {
        ArgumentNullException.ThrowIfNull(table);
        Dual.CheckInput(embedding, nameof(embedding), "[B, D]", dims: 2);
        if (table.dim() != 2 || table.shape[1] != embedding.Primal.shape[1])
            throw new ArgumentException(
                $"table must have shape [T, {embedding.Primal.shape[1]}] (the embedding's width); got {Guard.Shape(table)}.", nameof(table));
        using var scope = NewDisposeScope();
        return (embedding.MapLinear(e => e.unsqueeze(1)) + table.unsqueeze(0)).MoveToOuter(scope);   // (B, T, D)
    }

    /// <summary>Prepends the condition token groups to the patch tokens.</summary>
    /// <param name="conditions">Token groups (B, T_i, D), in sequence order.</param>
    /// <param name="patches">Patch tokens, shape (B, N, D).</param>
    /// <returns>Shape (B, Σ T_i + N, D): the conditions first, then the patches.</returns>
    /// <exception cref="ArgumentException">The widths, rows or tangents differ.</exception>
    public static Dual Prepend(IEnumerable<Dual> conditions, Dual patches)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        Dual.CheckInput(patches, nameof(patches), "[B, N, D]", dims: 3);
        var parts = conditions.Append(patches).ToArray();
        foreach (var part in parts)
            if (part is null || part.Primal.dim() != 3 || part.Primal.shape[2] != patches.Primal.shape[2])
                throw new ArgumentException(
                    $"every condition must have shape [B, T, {patches.Primal.shape[2]}]; got {(part is null ? "null" : Guard.Shape(part.Primal))}.", nameof(conditions));
        return Dual.Cat(parts, 1);
    }
}

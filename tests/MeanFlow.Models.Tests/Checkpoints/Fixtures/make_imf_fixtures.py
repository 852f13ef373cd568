"""Writes the improved-MeanFlow (iMF) fixtures of the checkpoint, backbone and objective tests.

Run once; the outputs are committed. Needs PyTorch >= 1.12 (written and run with Debian's python3-torch 1.13.1):

    cd tests/MeanFlow.Models.Tests/Checkpoints/Fixtures && /usr/bin/python3 make_imf_fixtures.py

The run is deterministic (fixed seed, CPU, float64 references), prints every file with its size and checks its own
outputs (shapes against the layout table below, every parameter reaching an output, forward-mode JVP against the
double-backward JVP). The networks and the loss are written here from a written specification of the upstream code
(prepared for issue 11, kept outside the repository); no upstream code is copied. Upstream files followed:

  Lyy-iiis/imeanflow  (official iMF; JAX on main, PyTorch inference code on branch `torch`)
      models/imfDiT.py          @ a5b4f344314bfe381bc8e315fc2410f17169d50a  (PyTorch imfDiT: layers, key names)
      models/embedder.py        @ a2ac5c55ef7ca6d4d610045726740ff3194350b4  (PyTorch embedders)
      models/torch_models.py    @ a2ac5c55ef7ca6d4d610045726740ff3194350b4  (TorchLinear, RMSNorm, SwiGLUMlp)
      convert.py, imf.py        @ a2ac5c55ef7ca6d4d610045726740ff3194350b4  (JAX -> .pth conversion, the `net.` wrapper)
      imf.py                    @ a1cc3a94105b6169c8035a55c9c4301e8fda0445  (JAX training loss, sampling)
  haidog-yaqub/MeanFlow
      models/dit.py, meanflow.py @ 16d64deeb96b434f0a901d26206376904883db9b  (MFDiT with w_embedder and u/v heads)

Files written (all weights are float32, the upstream parameter dtype; every reference is computed in float64 from
those float32 values, and the float32 references by the same network cast to float32):

  imf_dit_tiny.pt            state dict of a tiny official iMF DiT, keys prefixed `net.` as in the converted .pth
                             files (they are the state dict of the iMeanFlow wrapper); with the v-head blocks.
  imf_dit_tiny_inference.pt  the same without `net.v_heads.*` ("inference" checkpoints: convert.py drops the
                             v-head blocks; `net.v_final_layer.*` stays).
  imf_dit_tiny_io.pt         inputs z, r, t, h = t - r, y, omega, t_min, t_max; outputs u, v (float64), u_f32, v_f32
                             (float32), v_inference (the v output of the inference variant: v_final_layer applied to
                             the trunk output); jvp_dz (= v) and du_dt, dv_dt: the JVP of both heads along
                             (dz, dr, dt) = (jvp_dz, 0, 1).
  imf_loss_tiny.pt           one iMF loss evaluation (imf.py iMeanFlow.forward with the random draws given) on the
                             model of imf_dit_tiny.pt: inputs x, e, t, r, y, drop, omega, t_min, t_max; every
                             intermediate (z, v_t, v_c_fm, v_u, omega_masked, v_c, v_g, y_dropped, u, du_dt, v, V,
                             sq_u, sq_v, loss_u, loss_v), the total `loss`, and `grad.<key>` for a few parameters.
  mfdit_imf_tiny.pt          state dict of a tiny MFDiT in haidog-yaqub/MeanFlow's current layout (w_embedder,
                             final_layer_v, final_layer_u); flat keys, no prefix, as train.py saves it.
  mfdit_imf_tiny_io.pt       inputs z, t, r, y, w, max_cfg; outputs u, v, u_f32, v_f32; jvp_dz (= v) and du_dt:
                             the JVP of the u head w.r.t. (z, t, r) along (jvp_dz, 1, 0), as meanflow.py takes it.

Every value is a tensor (no Python scalars), so each file reads as a flat dictionary of tensors.
"""
import copy
import math
import os
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import forward_ad

torch.manual_seed(20251211)
F64, F32 = torch.float64, torch.float32
FREQ = 256          # frequency_embedding_size of every scalar embedder (both upstreams)

# The tiny official-layout network: 8x8x2 input, patch 2 (16 patches), hidden 8, 2 heads (head dim 4: two RoPE
# pairs), SwiGLU hidden int(8 * 8/3) = 21, trunk of 2 blocks, u head and v head of 2 blocks each (depth 4,
# aux_head_depth 2), 3 classes (+ null = 3), in-context tokens: 4 class, 3 omega, 2 t_min, 2 t_max, 2 time (13 prefix
# tokens, 29 positions). Hidden 8 keeps the files small: the four 256-frequency scalar embedders dominate them.
IMF = dict(input_size=8, patch_size=2, in_channels=2, hidden_size=8, num_heads=2, mlp_ratio=8 / 3, num_classes=3,
           depth=4, aux_head_depth=2, num_class_tokens=4, num_cfg_tokens=3, num_interval_tokens=2, num_time_tokens=2)

# The tiny MFDiT: 4x4x2 input, patch 2, dim 8, depth 2, 2 heads, MLP ratio 4, 3 classes (+ null), max_cfg 4.
MFDIT = dict(input_size=4, patch_size=2, in_channels=2, dim=8, depth=2, num_heads=2, mlp_ratio=4.0, num_classes=3,
             max_cfg=4.0)


# ---------------------------------------------------------------------------------------------------------------
# Layout table of the official iMF DiT (the spec's section B): key -> shape, for any size.
# ---------------------------------------------------------------------------------------------------------------

def imf_layout(c, with_v_heads=True, prefix="net."):
    """The state-dict keys and shapes of imfDiT(**c) wrapped as iMeanFlow.net."""
    d, p, ch = c["hidden_size"], c["patch_size"], c["in_channels"]
    hd, mlp = d // c["num_heads"], int(d * c["mlp_ratio"])
    shapes = OrderedDict()
    shapes["time_tokens"] = (c["num_time_tokens"], d)
    shapes["class_tokens"] = (c["num_class_tokens"], d)
    shapes["omega_tokens"] = (c["num_cfg_tokens"], d)
    shapes["t_min_tokens"] = (c["num_interval_tokens"], d)
    shapes["t_max_tokens"] = (c["num_interval_tokens"], d)
    shapes["x_embedder.proj.weight"] = (d, ch, p, p)
    shapes["x_embedder.proj.bias"] = (d,)
    for name in ("h_embedder", "omega_embedder", "cfg_t_start_embedder", "cfg_t_end_embedder"):
        shapes[f"{name}.mlp.0._flax_linear.weight"] = (d, FREQ)
        shapes[f"{name}.mlp.0._flax_linear.bias"] = (d,)
        shapes[f"{name}.mlp.2._flax_linear.weight"] = (d, d)
        shapes[f"{name}.mlp.2._flax_linear.bias"] = (d,)
    shapes["y_embedder.embedding_table._flax_embedding.weight"] = (c["num_classes"] + 1, d)
    head = c["aux_head_depth"]
    groups = [("shared_blocks", c["depth"] - head), ("u_heads", head)] + ([("v_heads", head)] if with_v_heads else [])
    for group, count in groups:
        for i in range(count):
            b = f"{group}.{i}."
            shapes[b + "attn_scale"] = (d,)
            shapes[b + "mlp_scale"] = (d,)
            shapes[b + "norm1.weight"] = (d,)
            for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                shapes[b + f"attn.{proj}._flax_linear.weight"] = (d, d)
            shapes[b + "attn.q_norm.weight"] = (hd,)
            shapes[b + "attn.k_norm.weight"] = (hd,)
            shapes[b + "norm2.weight"] = (d,)
            shapes[b + "mlp.w1._flax_linear.weight"] = (mlp, d)
            shapes[b + "mlp.w3._flax_linear.weight"] = (mlp, d)
            shapes[b + "mlp.w2._flax_linear.weight"] = (d, mlp)
    for final in ("u_final_layer", "v_final_layer"):
        shapes[f"{final}.norm.weight"] = (d,)
        shapes[f"{final}.linear._flax_linear.weight"] = (p * p * ch, d)
        shapes[f"{final}.linear._flax_linear.bias"] = (p * p * ch,)
    return OrderedDict((prefix + k, v) for k, v in shapes.items())


# ---------------------------------------------------------------------------------------------------------------
# Official iMF DiT (improved MeanFlow), in-context conditioning, RoPE, qk RMSNorm, SwiGLU, vector gates, two heads.
# ---------------------------------------------------------------------------------------------------------------

class NamedLinear(nn.Module):
    """A Linear held under the child name `_flax_linear`, which is where the converted keys put its weight."""

    def __init__(self, n_in, n_out, bias):
        super().__init__()
        self._flax_linear = nn.Linear(n_in, n_out, bias=bias)

    def forward(self, x):
        return self._flax_linear(x)


class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + 1e-6) * weight over the last axis; the weight is learnable (starts at one)."""

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight


def sinusoid(s, count=FREQ):
    """[cos(s * f_k), sin(s * f_k)], f_k = 10000^(-k / (count/2)), k < count/2; the scalar is used as given."""
    half = count // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=s.dtype) / half)
    angles = s[:, None] * freqs[None]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)


class ScalarEmbedder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.mlp = nn.Sequential(NamedLinear(FREQ, d, True), nn.SiLU(), NamedLinear(d, d, True))

    def forward(self, s):                                    # (B,) -> (B, D)
        return self.mlp(sinusoid(s))


class ClassEmbedder(nn.Module):
    def __init__(self, classes, d):
        super().__init__()
        self.embedding_table = nn.Module()
        self.embedding_table._flax_embedding = nn.Embedding(classes + 1, d)

    def forward(self, y):                                    # (B,) int64, null class = classes -> (B, D)
        return self.embedding_table._flax_embedding(y)


class PatchEmbedder(nn.Module):
    def __init__(self, channels, patch, d):
        super().__init__()
        self.proj = nn.Conv2d(channels, d, patch, stride=patch)

    def forward(self, x):                                    # (B, C, H, W) -> (B, N, D), patches row-major
        return self.proj(x).flatten(2).transpose(1, 2)


def rope_tables(head_dim, length, dtype):
    """cos/sin of position * theta_k, theta_k = 10000^(-2k / head_dim), k < head_dim/2, positions 0 .. length-1."""
    theta = 1.0 / 10000.0 ** (torch.arange(0, head_dim, 2, dtype=dtype) / head_dim)
    angles = torch.arange(length, dtype=dtype)[:, None] * theta[None]
    return torch.cos(angles), torch.sin(angles)              # (N, head_dim/2) each


def rotate(x, cos, sin):
    """Rotates each adjacent pair (x[2k], x[2k+1]) of the last axis by position * theta_k; x: (B, N, heads, hd)."""
    even, odd = x[..., 0::2], x[..., 1::2]
    cos, sin = cos[None, :, None, :], sin[None, :, None, :]
    return torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1).flatten(-2)


class RoPEAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.q_proj, self.k_proj = NamedLinear(d, d, False), NamedLinear(d, d, False)
        self.v_proj, self.out_proj = NamedLinear(d, d, False), NamedLinear(d, d, False)
        self.q_norm, self.k_norm = RMSNorm(self.head_dim), RMSNorm(self.head_dim)

    def forward(self, x, cos, sin):                          # (B, N, D)
        b, n, d = x.shape
        split = lambda y: y.reshape(b, n, self.heads, self.head_dim)
        q = rotate(self.q_norm(split(self.q_proj(x))), cos, sin)
        k = rotate(self.k_norm(split(self.k_proj(x))), cos, sin)
        v = split(self.v_proj(x))
        weights = torch.einsum("bqhe,bkhe->bhqk", q / math.sqrt(self.head_dim), k).softmax(dim=-1)
        return self.out_proj(torch.einsum("bhqk,bkhe->bqhe", weights, v).reshape(b, n, d))


class SwiGLU(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.w1, self.w3, self.w2 = NamedLinear(d, hidden, False), NamedLinear(d, hidden, False), NamedLinear(hidden, d, False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class GatedBlock(nn.Module):
    def __init__(self, d, heads, mlp_ratio):
        super().__init__()
        self.norm1, self.attn = RMSNorm(d), RoPEAttention(d, heads)
        self.norm2, self.mlp = RMSNorm(d), SwiGLU(d, int(d * mlp_ratio))
        self.attn_scale = nn.Parameter(torch.zeros(d))       # zero-initialised vector gates in training
        self.mlp_scale = nn.Parameter(torch.zeros(d))

    def forward(self, x, cos, sin):
        x = x + self.attn(self.norm1(x), cos, sin) * self.attn_scale
        return x + self.mlp(self.norm2(x)) * self.mlp_scale


class OutputLayer(nn.Module):
    def __init__(self, d, patch, channels):
        super().__init__()
        self.norm, self.linear = RMSNorm(d), NamedLinear(d, patch * patch * channels, True)

    def forward(self, x):
        return self.linear(self.norm(x))


class ImfDiT(nn.Module):
    def __init__(self, c, with_v_heads=True):
        super().__init__()
        self.c = c
        d, heads, ratio = c["hidden_size"], c["num_heads"], c["mlp_ratio"]
        self.x_embedder = PatchEmbedder(c["in_channels"], c["patch_size"], d)
        self.h_embedder, self.omega_embedder = ScalarEmbedder(d), ScalarEmbedder(d)
        self.cfg_t_start_embedder, self.cfg_t_end_embedder = ScalarEmbedder(d), ScalarEmbedder(d)
        self.y_embedder = ClassEmbedder(c["num_classes"], d)
        self.time_tokens = nn.Parameter(torch.zeros(c["num_time_tokens"], d))
        self.class_tokens = nn.Parameter(torch.zeros(c["num_class_tokens"], d))
        self.omega_tokens = nn.Parameter(torch.zeros(c["num_cfg_tokens"], d))
        self.t_min_tokens = nn.Parameter(torch.zeros(c["num_interval_tokens"], d))
        self.t_max_tokens = nn.Parameter(torch.zeros(c["num_interval_tokens"], d))
        head = c["aux_head_depth"]
        blocks = lambda count: nn.ModuleList([GatedBlock(d, heads, ratio) for _ in range(count)])
        self.shared_blocks, self.u_heads = blocks(c["depth"] - head), blocks(head)
        self.v_heads = blocks(head if with_v_heads else 0)
        self.u_final_layer = OutputLayer(d, c["patch_size"], c["in_channels"])
        self.v_final_layer = OutputLayer(d, c["patch_size"], c["in_channels"])
        self.prefix = (c["num_class_tokens"] + c["num_cfg_tokens"] + 2 * c["num_interval_tokens"]
                       + c["num_time_tokens"])

    def forward(self, x, t, h, omega, t_min, t_max, y):
        """The official signature: t is accepted and not used (the network sees only h = t - r)."""
        tokens = lambda table, e: table[None] + e[:, None]  # (T, D) + (B, 1, D)
        seq = torch.cat([
            tokens(self.class_tokens, self.y_embedder(y)),
            tokens(self.omega_tokens, self.omega_embedder(1 - 1 / omega)),
            tokens(self.t_min_tokens, self.cfg_t_start_embedder(t_min)),
            tokens(self.t_max_tokens, self.cfg_t_end_embedder(t_max)),
            tokens(self.time_tokens, self.h_embedder(h)),
            self.x_embedder(x),
        ], dim=1)                                            # (B, prefix + N, D)
        cos, sin = rope_tables(self.c["hidden_size"] // self.c["num_heads"], seq.shape[1], seq.dtype)
        for block in self.shared_blocks:
            seq = block(seq, cos, sin)
        u_seq = v_seq = seq
        for block in self.u_heads:
            u_seq = block(u_seq, cos, sin)
        for block in self.v_heads:
            v_seq = block(v_seq, cos, sin)
        return (self.unpatchify(self.u_final_layer(u_seq[:, self.prefix:])),
                self.unpatchify(self.v_final_layer(v_seq[:, self.prefix:])))

    def unpatchify(self, x):                                 # (B, N, p*p*C), per token (row, column, channel)
        b, p, ch = x.shape[0], self.c["patch_size"], self.c["in_channels"]
        g = self.c["input_size"] // p
        return x.reshape(b, g, g, p, p, ch).permute(0, 5, 1, 3, 2, 4).reshape(b, ch, g * p, g * p)


# ---------------------------------------------------------------------------------------------------------------
# haidog-yaqub/MeanFlow MFDiT (current layout): adaLN-Zero DiT, t, r and w embedders, u and v final layers.
# ---------------------------------------------------------------------------------------------------------------

class AffineFreeRMSNorm(nn.Module):
    """torch.nn.RMSNorm(dim, elementwise_affine=False) with eps=None: eps is the machine epsilon of the dtype."""

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + torch.finfo(x.dtype).eps)


class LearnableRMSNorm(AffineFreeRMSNorm):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return super().forward(x) * self.weight


class ScaledTimeEmbedder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(FREQ, d), nn.SiLU(), nn.Linear(d, d))

    def forward(self, s):                                    # the scalar is multiplied by 1000 first
        return self.mlp(sinusoid(s * 1000.0))


class AdaLNBlock(nn.Module):
    def __init__(self, d, heads, mlp_ratio):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = AffineFreeRMSNorm(), AffineFreeRMSNorm()
        self.attn = nn.Module()
        self.attn.qkv, self.attn.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.attn.q_norm, self.attn.k_norm = LearnableRMSNorm(d // heads), LearnableRMSNorm(d // heads)
        self.mlp = nn.Module()
        self.mlp.fc1, self.mlp.fc2 = nn.Linear(d, int(d * mlp_ratio)), nn.Linear(int(d * mlp_ratio), d)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))

    def attention(self, x):
        b, n, d = x.shape
        q, k, v = self.attn.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k = self.attn.q_norm(q), self.attn.k_norm(k)
        weights = (q @ k.transpose(-2, -1) * (d // self.heads) ** -0.5).softmax(dim=-1)
        return self.attn.proj((weights @ v).transpose(1, 2).reshape(b, n, d))

    def forward(self, x, c):
        shift1, scale1, gate1, shift2, scale2, gate2 = self.adaLN_modulation(c)[:, None].chunk(6, dim=-1)
        x = x + gate1 * self.attention(self.norm1(x) * (1 + scale1) + shift1)
        mlp = lambda y: self.mlp.fc2(F.gelu(self.mlp.fc1(y), approximate="tanh"))
        return x + gate2 * mlp(self.norm2(x) * (1 + scale2) + shift2)


class AdaLNOutput(nn.Module):
    def __init__(self, d, patch, channels):
        super().__init__()
        self.norm_final = AffineFreeRMSNorm()
        self.linear = nn.Linear(d, patch * patch * channels)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(d, 2 * d))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c)[:, None].chunk(2, dim=-1)
        return self.linear(self.norm_final(x) * (1 + scale) + shift)


class MFDiTUV(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, p, ch = c["dim"], c["patch_size"], c["in_channels"]
        self.x_embedder = nn.Module()
        self.x_embedder.proj = nn.Conv2d(ch, d, p, stride=p)
        self.t_embedder, self.r_embedder, self.w_embedder = ScaledTimeEmbedder(d), ScaledTimeEmbedder(d), ScaledTimeEmbedder(d)
        self.y_embedder = nn.Module()
        self.y_embedder.embedding = nn.Embedding(c["num_classes"] + 1, d)
        g = c["input_size"] // p
        self.pos_embed = nn.Parameter(sincos_grid(d, g)[None])
        self.blocks = nn.ModuleList([AdaLNBlock(d, c["num_heads"], c["mlp_ratio"]) for _ in range(c["depth"])])
        self.final_layer_v = AdaLNOutput(d, p, ch)
        self.final_layer_u = AdaLNOutput(d, p, ch)

    def forward(self, x, t, r, y, w):
        """MFDiT.forward(x, t, r, y, w): r is embedded as given (not t - r); w is divided by max_cfg."""
        x = self.x_embedder.proj(x).flatten(2).transpose(1, 2) + self.pos_embed
        c = (self.t_embedder(t) + self.r_embedder(r) + self.w_embedder(w / self.c["max_cfg"])
             + self.y_embedder.embedding(y))
        for block in self.blocks:
            x = block(x, c)
        b, p, ch, g = x.shape[0], self.c["patch_size"], self.c["in_channels"], self.c["input_size"] // self.c["patch_size"]
        unpatch = lambda o: o.reshape(b, g, g, p, p, ch).permute(0, 5, 1, 3, 2, 4).reshape(b, ch, g * p, g * p)
        return unpatch(self.final_layer_u(x, c)), unpatch(self.final_layer_v(x, c))


def sincos_grid(d, g):
    """The MAE table MFDiT starts pos_embed from: first half embeds the column index, second half the row,
    each half [sin, cos] of index * 10000^(-k / (d/4)). Only a starting point: pos_embed is a stored parameter."""
    omega = 1.0 / 10000 ** (torch.arange(d // 4, dtype=F64) / (d / 4))
    rows, cols = torch.meshgrid(torch.arange(g, dtype=F64), torch.arange(g, dtype=F64), indexing="ij")
    half = lambda pos: torch.cat([torch.sin(pos.reshape(-1, 1) * omega), torch.cos(pos.reshape(-1, 1) * omega)], 1)
    return torch.cat([half(cols), half(rows)], dim=1).float()


# ---------------------------------------------------------------------------------------------------------------
# Helpers: weights, f32 rounding, JVPs, self-checks, saving.
# ---------------------------------------------------------------------------------------------------------------

def randomise(model, pos_embed_scale=0.05):
    """Non-zero random values everywhere (gates and output layers included, which training starts at zero):
    matrices ~ N(0, 1/fan_in), norm weights 1 + N(0, 0.2^2), gates N(0, 0.5^2), tokens, tables and biases N(0, 0.3^2);
    then every value is rounded to float32, so the float64 network computes with exactly the stored weights."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if name == "pos_embed":
                p.add_(torch.randn_like(p) * pos_embed_scale)
            elif leaf in ("attn_scale", "mlp_scale"):
                p.copy_(torch.randn_like(p) * 0.5)
            elif "norm" in name and leaf == "weight":
                p.copy_(1 + torch.randn_like(p) * 0.2)
            elif p.dim() >= 2 and not name.endswith("_tokens") and "embedding" not in name:
                p.copy_(torch.randn_like(p) / math.sqrt(p[0].numel()))
            else:
                p.copy_(torch.randn_like(p) * 0.3)
            p.copy_(p.float().double())


def f32_exact(x):
    """Rounds a float64 tensor to the nearest float32 value, kept in float64, so both precisions see one input."""
    return x.float().double()


def assert_every_parameter_matters(model, outputs_of, skip=()):
    model.zero_grad()
    total = sum((o * torch.randn_like(o)).sum() for o in outputs_of())
    total.backward()
    for name, p in model.named_parameters():
        if any(name.startswith(s) for s in skip):
            continue
        assert p.grad is not None and p.grad.abs().max() > 0, f"{name} does not reach the outputs"
    model.zero_grad()


def jvp_both_ways(f, primals, tangents):
    """JVP of f by double backward (torch.autograd.functional.jvp) and by forward-mode AD; they must agree."""
    outputs, jvp = torch.autograd.functional.jvp(f, primals, tangents)
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(primals, tangents)]
        forward = [forward_ad.unpack_dual(o).tangent for o in f(*duals)]
    for a, b in zip(jvp, forward):
        assert (a - b).abs().max() <= 1e-12 * (1 + a.abs().max()), "forward-mode and double-backward JVPs differ"
    return outputs, jvp


def flat(tensors):
    """A flat OrderedDict of contiguous, storage-owning tensors (no views into larger storages)."""
    return OrderedDict((k, v.detach().clone().contiguous()) for k, v in tensors.items())


def save(obj, name):
    torch.save(obj, name)
    print(f"{name:28s} {os.path.getsize(name):7d} bytes  {len(obj)} entries")


# ---------------------------------------------------------------------------------------------------------------
# 1. The official iMF DiT: state dicts and io.
# ---------------------------------------------------------------------------------------------------------------

imf = ImfDiT(IMF).to(F64)
randomise(imf)
imf_f32 = copy.deepcopy(imf).to(F32)
full_state = OrderedDict(("net." + k, v.float()) for k, v in imf.state_dict().items())
assert OrderedDict((k, tuple(v.shape)) for k, v in full_state.items()) == imf_layout(IMF), "layout differs from spec"
inference_state = OrderedDict((k, v) for k, v in full_state.items() if not k.startswith("net.v_heads."))
assert list(inference_state) == list(imf_layout(IMF, with_v_heads=False))

imf_inference = ImfDiT(IMF, with_v_heads=False).to(F64)
imf_inference.load_state_dict(OrderedDict((k[4:], v.double()) for k, v in inference_state.items()))

B, C, S = 4, IMF["in_channels"], IMF["input_size"]
z = f32_exact(torch.randn(B, C, S, S, dtype=F64))
t = torch.tensor([0.9, 0.55, 0.3, 1.0], dtype=F64)
r = torch.tensor([0.1, 0.55, 0.05, 0.0], dtype=F64)       # row 1: r = t (h = 0); row 3: the 1-NFE step (0, 1)
h = t - r
y = torch.tensor([0, 2, 3, 1], dtype=torch.int64)          # 3 is the null class
omega = torch.tensor([2.5, 1.0, 7.0, 4.0], dtype=F64)
t_min = torch.tensor([0.2, 0.0, 0.4, 0.0], dtype=F64)
t_max = torch.tensor([0.75, 1.0, 0.65, 1.0], dtype=F64)
cond = (omega, t_min, t_max, y)

with torch.no_grad():
    u, v = imf(z, t, h, *cond)
    u32, v32 = imf_f32(z.float(), t.float(), h.float(), omega.float(), t_min.float(), t_max.float(), y)
    u_inf, v_inf = imf_inference(z, t, h, *cond)
assert torch.equal(u, u_inf), "dropping the v-head blocks must not change u"
assert u.abs().max() > 0.1 and v.abs().max() > 0.1 and (v - v_inf).abs().max() > 0.1
assert (u32.double() - u).abs().max() < 1e-4 and (v32.double() - v).abs().max() < 1e-4
assert_every_parameter_matters(imf, lambda: imf(z, t, h, *cond))

# JVP of both heads w.r.t. (z, r, t) along (dz, dr, dt) = (v, 0, 1): the network sees h = t - r, so dh = 1.
jvp_dz = v.clone()
_, (du_dt, dv_dt) = jvp_both_ways(lambda zz, rr, tt: imf(zz, tt, tt - rr, *cond), (z, r, t),
                                  (jvp_dz, torch.zeros_like(r), torch.ones_like(t)))
assert du_dt.abs().max() > 1e-3 and dv_dt.abs().max() > 1e-3

save(full_state, "imf_dit_tiny.pt")
save(inference_state, "imf_dit_tiny_inference.pt")
save(flat(OrderedDict(z=z, r=r, t=t, h=h, y=y, omega=omega, t_min=t_min, t_max=t_max, u=u, v=v, u_f32=u32,
                      v_f32=v32, v_inference=v_inf, jvp_dz=jvp_dz, du_dt=du_dt, dv_dt=dv_dt)), "imf_dit_tiny_io.pt")


# ---------------------------------------------------------------------------------------------------------------
# 2. One iMF loss evaluation, as imf.py's iMeanFlow.forward computes it, with its random draws given.
# ---------------------------------------------------------------------------------------------------------------

NORM_EPS, NORM_P, NULL = 0.01, 1.0, IMF["num_classes"]


def imf_loss(net, x, e, t, r, y, drop, omega, t_min, t_max):
    """Returns every intermediate of one iMF loss evaluation; x, e: (B, C, H, W); the rest (B,)."""
    col = lambda s: s[:, None, None, None]
    fm = r == t                                              # the flow-matching rows (data_proportion of a batch)
    z = (1 - col(t)) * x + col(t) * e
    v_t = e - x
    v_head = lambda w, labels: net(z, t, torch.zeros_like(t), w, torch.zeros_like(t), torch.ones_like(t), labels)[1]
    with torch.no_grad():
        v_c_fm = v_head(omega, y)                            # v_fn: conditional with the drawn omega ...
        v_u = v_head(torch.ones_like(omega), torch.full_like(y, NULL))  # ... and unconditional with omega = 1
        omega_masked = torch.where((t >= t_min) & (t <= t_max), omega, torch.ones_like(omega))
        v_c = v_head(omega_masked, y)                        # v_cond_fn with guidance off outside the interval
        v_g = torch.where(col(fm), v_t + col(1 - 1 / omega) * (v_c_fm - v_u), v_t + col(1 - 1 / omega_masked) * (v_c - v_u))
        y_dropped = torch.where(drop, torch.full_like(y, NULL), y)
        v_g = torch.where(col(drop), v_t, v_g)               # dropped rows: target v_t (tangent stays v_c)
        u_of = lambda zz, rr, tt: net(zz, tt, tt - rr, omega, t_min, t_max, y_dropped)[0]
        _, du_dt = torch.autograd.functional.jvp(u_of, (z, r, t), (v_c, torch.zeros_like(r), torch.ones_like(t)))
    u, v = net(z, t, t - r, omega, t_min, t_max, y_dropped)  # the primal of the JVP: gradients flow from here
    V = u + col(t - r) * du_dt
    sq_u = ((V - v_g) ** 2).sum(dim=(1, 2, 3))
    sq_v = ((v - v_g) ** 2).sum(dim=(1, 2, 3))
    loss_u = sq_u / ((sq_u + NORM_EPS) ** NORM_P).detach()
    loss_v = sq_v / ((sq_v + NORM_EPS) ** NORM_P).detach()
    loss = (loss_u + loss_v).mean()
    return OrderedDict(z=z, v_t=v_t, v_c_fm=v_c_fm, v_u=v_u, omega_masked=omega_masked, v_c=v_c, v_g=v_g,
                       y_dropped=y_dropped, u=u, du_dt=du_dt, v=v, V=V, sq_u=sq_u, sq_v=sq_v, loss_u=loss_u,
                       loss_v=loss_v, loss=loss)


# Rows 0-1 flow matching (r = t, interval [0, 1]); rows 2-4 MeanFlow rows: 2 inside its interval, 3 outside it
# (guidance off), 4 inside and its label dropped; row 1 (flow matching) dropped too.
Bl = 5
x = f32_exact(torch.randn(Bl, C, S, S, dtype=F64))
e = f32_exact(torch.randn(Bl, C, S, S, dtype=F64))
lt = torch.tensor([0.7, 0.3, 0.8, 0.6, 0.45], dtype=F64)
lr = torch.tensor([0.7, 0.3, 0.2, 0.35, 0.1], dtype=F64)
ly = torch.tensor([1, 0, 2, 1, 0], dtype=torch.int64)
drop = torch.tensor([False, True, False, False, True])
lomega = torch.tensor([2.5, 1.75, 4.0, 6.0, 3.0], dtype=F64)
lt_min = torch.tensor([0.0, 0.0, 0.1, 0.2, 0.4], dtype=F64)
lt_max = torch.tensor([1.0, 1.0, 0.9, 0.55, 0.7], dtype=F64)

parts = imf_loss(imf, x, e, lt, lr, ly, drop, lomega, lt_min, lt_max)
assert parts["omega_masked"].tolist() == [2.5, 1.75, 4.0, 1.0, 3.0]
assert torch.equal(parts["v_g"][1], parts["v_t"][1]) and torch.equal(parts["v_g"][4], parts["v_t"][4])
assert torch.equal(parts["v_g"][3], parts["v_t"][3]), "outside the interval the target is v_t"
assert torch.equal(parts["V"][:2], parts["u"][:2]), "r = t rows: V = u"
imf.zero_grad()
parts["loss"].backward()
grads = OrderedDict((f"grad.net.{k}", dict(imf.named_parameters())[k].grad.clone()) for k in (
    "u_final_layer.linear._flax_linear.weight", "v_final_layer.linear._flax_linear.weight",
    "shared_blocks.0.attn.q_proj._flax_linear.weight", "h_embedder.mlp.2._flax_linear.bias", "omega_tokens"))
assert all(g.abs().max() > 0 for g in grads.values())
imf.zero_grad()

loss_file = OrderedDict(x=x, e=e, t=lt, r=lr, y=ly, drop=drop, omega=lomega, t_min=lt_min, t_max=lt_max,
                        norm_eps=torch.tensor(NORM_EPS, dtype=F64), norm_p=torch.tensor(NORM_P, dtype=F64))
loss_file.update(parts)
loss_file.update(grads)
save(flat(loss_file), "imf_loss_tiny.pt")


# ---------------------------------------------------------------------------------------------------------------
# 3. haidog-yaqub/MeanFlow's current MFDiT: state dict and io.
# ---------------------------------------------------------------------------------------------------------------

mf = MFDiTUV(MFDIT).to(F64)
randomise(mf)
mf_f32 = copy.deepcopy(mf).to(F32)
Bm, Cm, Sm = 5, MFDIT["in_channels"], MFDIT["input_size"]
mz = f32_exact(torch.randn(Bm, Cm, Sm, Sm, dtype=F64))
mt = torch.tensor([0.8, 0.5, 1.0, 0.25, 0.6], dtype=F64)
mr = torch.tensor([0.2, 0.5, 0.0, 0.05, 0.1], dtype=F64)
my = torch.tensor([0, 2, 1, 3, 3], dtype=torch.int64)      # 3 is the null class
mw = torch.tensor([1.0, 2.5, 4.0, 1.0, 7.5], dtype=F64)
with torch.no_grad():
    mu, mv = mf(mz, mt, mr, my, mw)
    mu32, mv32 = mf_f32(mz.float(), mt.float(), mr.float(), my, mw.float())
assert mu.abs().max() > 0.1 and mv.abs().max() > 0.1
assert (mu32.double() - mu).abs().max() < 1e-4 and (mv32.double() - mv).abs().max() < 1e-4
assert_every_parameter_matters(mf, lambda: mf(mz, mt, mr, my, mw))

# meanflow.py: jvp of u(z, t, r) along (v_c, 1, 0), i.e. (dz, dr, dt) = (v_c, 0, 1); here v_c = the model's own v.
m_dz = mv.clone()
_, (m_du_dt,) = jvp_both_ways(lambda zz, tt, rr: (mf(zz, tt, rr, my, mw)[0],), (mz, mt, mr),
                              (m_dz, torch.ones_like(mt), torch.zeros_like(mr)))
assert m_du_dt.abs().max() > 1e-3

save(OrderedDict((k, v.float()) for k, v in mf.state_dict().items()), "mfdit_imf_tiny.pt")
save(flat(OrderedDict(z=mz, t=mt, r=mr, y=my, w=mw, max_cfg=torch.tensor(MFDIT["max_cfg"], dtype=F64), u=mu, v=mv,
                      u_f32=mu32, v_f32=mv32, jvp_dz=m_dz, du_dt=m_du_dt)), "mfdit_imf_tiny_io.pt")

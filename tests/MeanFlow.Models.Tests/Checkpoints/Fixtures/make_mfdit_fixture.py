"""Writes the PyTorch fixtures of the checkpoint tests (run once; the outputs are committed):

  mfdit_tiny.pt     torch.save(model.state_dict()) of a tiny MeanFlow DiT laid out like MFDiT
                    (haidog-yaqub/MeanFlow, models/dit.py): input 4x4x2, patch 2, dim 8, depth 2, 2 heads,
                    MLP ratio 4, 3 classes (+ null), time embedders of t and r (256 frequencies, scale 1000).
  mfdit_tiny_io.pt  {"z", "t", "r", "y", "u"}: inputs and the model's output u = model(z, t, r, y).
  mfdit_tiny_nested.pt  {"model": state dict, "ema": state dict with every value halved, "step": 100}, the shape of
                    a training checkpoint.

The network is written here from the architecture description, in float64, with random (not zero-initialised)
weights and a perturbed pos_embed, so that every parameter matters for u. Needs PyTorch >= 1.12 (tested with
Debian's python3-torch 1.13.1): python3 make_mfdit_fixture.py
"""
import math

import torch
import torch.nn as nn

torch.manual_seed(20250705)
DTYPE = torch.float64
SIZE, CHANNELS, PATCH, DIM, DEPTH, HEADS, CLASSES, FREQ = 4, 2, 2, 8, 2, 2, 3, 256


class RMSNorm(nn.Module):
    """y = x / sqrt(mean(x^2) + eps) (* weight), eps = machine epsilon of the dtype, as torch.nn.RMSNorm(eps=None)."""

    def __init__(self, dim, affine=True):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim, dtype=DTYPE)) if affine else None

    def forward(self, x):
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + torch.finfo(x.dtype).eps)
        return y if self.weight is None else y * self.weight


class TimestepEmbedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(FREQ, DIM), nn.SiLU(), nn.Linear(DIM, DIM))

    def forward(self, t):
        half = FREQ // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=DTYPE) / half)
        angles = (t * 1000.0)[:, None] * freqs[None]
        return self.mlp(torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1))


class LabelEmbedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(CLASSES + 1, DIM)

    def forward(self, y):
        return self.embedding(y)


class PatchEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(CHANNELS, DIM, PATCH, stride=PATCH)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.head_dim = DIM // HEADS
        self.qkv = nn.Linear(DIM, 3 * DIM)
        self.q_norm = RMSNorm(self.head_dim)
        self.k_norm = RMSNorm(self.head_dim)
        self.proj = nn.Linear(DIM, DIM)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, HEADS, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k = self.q_norm(q), self.k_norm(k)
        weights = (q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)).softmax(dim=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(DIM, 4 * DIM)
        self.act = nn.GELU(approximate="tanh")
        self.fc2 = nn.Linear(4 * DIM, DIM)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class DiTBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = RMSNorm(DIM, affine=False)
        self.attn = Attention()
        self.norm2 = RMSNorm(DIM, affine=False)
        self.mlp = Mlp()
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(DIM, 6 * DIM))

    def forward(self, x, c):
        shift1, scale1, gate1, shift2, scale2, gate2 = self.adaLN_modulation(c).chunk(6, dim=-1)
        x = x + gate1.unsqueeze(1) * self.attn(modulate(self.norm1(x), shift1, scale1))
        return x + gate2.unsqueeze(1) * self.mlp(modulate(self.norm2(x), shift2, scale2))


class FinalLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm_final = RMSNorm(DIM, affine=False)
        self.linear = nn.Linear(DIM, PATCH * PATCH * CHANNELS)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(DIM, 2 * DIM))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=-1)
        return self.linear(modulate(self.norm_final(x), shift, scale))


def sincos_2d(dim, grid):
    """MAE/DiT table: first half embeds the column, second half the row; each [sin, cos] of pos * 10000^(-k/(dim/4))."""
    omega = 1.0 / 10000 ** (torch.arange(dim // 4, dtype=DTYPE) / (dim / 4))
    rows, cols = torch.meshgrid(torch.arange(grid, dtype=DTYPE), torch.arange(grid, dtype=DTYPE), indexing="ij")
    def one(pos):
        angles = pos.reshape(-1)[:, None] * omega[None]
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    return torch.cat([one(cols), one(rows)], dim=1)


class MFDiT(nn.Module):
    def __init__(self):
        super().__init__()
        self.x_embedder = PatchEmbed()
        self.t_embedder = TimestepEmbedder()
        self.r_embedder = TimestepEmbedder()
        self.y_embedder = LabelEmbedder()
        grid = SIZE // PATCH
        self.pos_embed = nn.Parameter(sincos_2d(DIM, grid).unsqueeze(0))
        self.blocks = nn.ModuleList([DiTBlock() for _ in range(DEPTH)])
        self.final_layer = FinalLayer()

    def forward(self, x, t, r, y):
        x = self.x_embedder(x) + self.pos_embed
        c = self.t_embedder(t) + self.r_embedder(r) + self.y_embedder(y)
        for block in self.blocks:
            x = block(x, c)
        x = self.final_layer(x, c)
        b, g = x.shape[0], SIZE // PATCH
        x = x.reshape(b, g, g, PATCH, PATCH, CHANNELS)
        return torch.einsum("nhwpqc->nchpwq", x).reshape(b, CHANNELS, SIZE, SIZE)


model = MFDiT().to(DTYPE)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.add_(torch.randn_like(p) * (0.05 if name == "pos_embed" else 0.3))

z = torch.randn(5, CHANNELS, SIZE, SIZE, dtype=DTYPE)
t = torch.rand(5, dtype=DTYPE)
r = t * torch.rand(5, dtype=DTYPE)
y = torch.tensor([0, 2, 1, 3, 3], dtype=torch.int64)
with torch.no_grad():
    u = model(z, t, r, y)

torch.save(model.state_dict(), "mfdit_tiny.pt")
torch.save({"z": z, "t": t, "r": r, "y": y, "u": u}, "mfdit_tiny_io.pt")
ema = {k: v * 0.5 for k, v in model.state_dict().items()}
torch.save({"model": model.state_dict(), "ema": ema, "step": 100}, "mfdit_tiny_nested.pt")
print(sorted(model.state_dict().keys()))
print("u[0, 0]:", u[0, 0])

"""ViT-S/16 (Dosovitskiy et al., ICLR 2021; the "small" size of Touvron et al.'s DeiT) with timm's names.

torchvision ships no ViT-S, so the names follow timm's ``vit_small_patch16_224`` state dict
(``patch_embed.proj``, ``cls_token``, ``pos_embed``, ``blocks.0.norm1``, ``blocks.0.attn.qkv``,
``blocks.0.attn.proj``, ``blocks.0.mlp.fc1``, ``norm``; classifier ``head``): such a file saved
with ``torch.save(model.state_dict())`` loads with ``load_encoder_weights``. Embedding 384, depth
12, 6 heads, MLP ratio 4, pre-norm blocks, LayerNorm eps 1e-6, as in the paper / timm.

``forward`` returns the patch tokens (class token dropped) as a ``(N, D, H/16, W/16)`` map, so
every backbone looks the same to the multi-view encoder. Position embeddings are resized
bicubically when the image size differs from the one they were made for (224 px -> 14x14).
``width`` scales the embedding (384 = 64 * 6); only 64 matches published weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cxrgen.models.encoders.base import register_backbone


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, D = x.shape
        q, k, v = self.qkv(x).view(B, N, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v)  # (B, heads, N, D/heads)
        return self.proj(out.transpose(1, 2).reshape(B, N, D))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch: int, dim: int):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)  # (N, D, H/16, W/16)


class VisionTransformer(nn.Module):
    def __init__(self, dim: int = 384, depth: int = 12, heads: int = 6, patch: int = 16, image_size: int = 224):
        super().__init__()
        self.patch_embed = PatchEmbed(patch, dim)
        grid = image_size // patch
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + grid * grid, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.out_dim = dim
        self.head_prefixes = ("head.", "fc_norm.", "head_drop.")

    def _pos_embed(self, h: int, w: int) -> torch.Tensor:
        cls_pos, patch_pos = self.pos_embed[:, :1], self.pos_embed[:, 1:]
        n = int(patch_pos.shape[1] ** 0.5)
        if (h, w) != (n, n):
            grid = patch_pos.reshape(1, n, n, -1).permute(0, 3, 1, 2)
            grid = F.interpolate(grid, size=(h, w), mode="bicubic", align_corners=False)
            patch_pos = grid.permute(0, 2, 3, 1).reshape(1, h * w, -1)
        return torch.cat([cls_pos, patch_pos], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)  # (N, D, h, w)
        N, D, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)  # (N, h*w, D)
        x = torch.cat([self.cls_token.expand(N, -1, -1), x], 1) + self._pos_embed(h, w)
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)[:, 1:]  # drop the class token: (N, h*w, D)
        return x.transpose(1, 2).reshape(N, D, h, w)


@register_backbone("vit_s16")
def vit_s16(width: int = 64, image_size: int = 224) -> VisionTransformer:
    # position embeddings stay those of 224 px (14x14, as published checkpoints store them) and are
    # resized on the fly for other image sizes, so any image size loads the same weight file
    return VisionTransformer(dim=width * 6, depth=12, heads=6, image_size=224)

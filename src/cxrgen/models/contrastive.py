"""Image-report contrastive encoder (ConVIRT, Zhang et al. 2020; CLIP, Radford et al. 2021; MedCLIP).

Two towers map a study's images and its report to unit vectors in one space; training pulls each
study's pair together and pushes the other pairs of the batch apart with the symmetric InfoNCE
loss (ConVIRT eq. 2-3, CLIP's pseudo-code), with a learned temperature initialised to 0.07 (CLIP).
The image tower serves CN-X2RG as prompt encoder and the retrieval baseline as its index key.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from cxrgen.models.config import RetrievalConfig
from cxrgen.models.encoders import create_encoder
from cxrgen.models.layers import TokenEmbedding, TransformerEncoder


def info_nce(logits: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE on the (B, B) image-text similarity logits; the pairs are on the diagonal."""
    labels = torch.arange(logits.shape[0], device=logits.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


class ImageTower(nn.Module):
    """Multi-view encoder -> pooled features -> linear projection -> unit vector (B, E)."""

    def __init__(self, config: RetrievalConfig):
        super().__init__()
        self.visual = create_encoder(config.encoder)
        self.proj = nn.Linear(self.visual.out_dim, config.embed_dim)

    def forward(self, images: torch.Tensor, view_mask: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(self.visual(images, view_mask).pooled), dim=-1)


class TextTower(nn.Module):
    """Word embeddings -> small Transformer encoder -> mean over real tokens -> projection -> unit vector."""

    def __init__(self, config: RetrievalConfig, vocab_size: int, pad_id: int):
        super().__init__()
        c = config
        self.pad_id = pad_id
        self.embed = TokenEmbedding(vocab_size, c.d_model, c.dropout, max_positions=max(c.max_len + 2, 512))
        self.encoder = TransformerEncoder(c.d_model, c.text_layers, c.n_heads, c.d_ff, c.dropout)
        self.proj = nn.Linear(c.d_model, c.embed_dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = tokens != self.pad_id  # (B, T)
        h = self.encoder(self.embed(tokens), mask)
        w = mask.to(h.dtype).unsqueeze(-1)
        return F.normalize(self.proj((h * w).sum(1) / w.sum(1).clamp_min(1.0)), dim=-1)


class ContrastiveEncoder(nn.Module):
    """The two towers and the learned temperature. ``forward`` returns the (B, B) logits."""

    def __init__(self, config: RetrievalConfig, vocab_size: int, pad_id: int):
        super().__init__()
        self.image_encoder = ImageTower(config)
        self.text_encoder = TextTower(config, vocab_size, pad_id)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / config.temperature)))

    def forward(self, images: torch.Tensor, view_mask: torch.Tensor, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        img = self.image_encoder(images, view_mask)  # (B, E)
        txt = self.text_encoder(tokens)  # (B, E)
        scale = self.logit_scale.clamp(max=math.log(100.0)).exp()  # CLIP clips the scale at 100
        return {"image_embeds": img, "text_embeds": txt, "contrastive_logits": scale * img @ txt.t()}

"""R2GenCMN: "Cross-modal Memory Networks for Radiology Report Generation" (Chen et al., ACL 2021).

A memory matrix of ``cmm_size`` slots (2,048 in the paper, §3.2) is shared by both modalities. Each
visual feature (after the visual extractor's projection) and each word embedding queries it: the
query is compared with every slot, only the ``cmm_topk`` (32) most similar slots are kept, and
their values are averaged with softmax weights (§2.2, "memory querying" and "memory responding").
The response is added to the feature (residual, as in the authors' released code) before the
encoder, and to the word embedding before the decoder. The backbone is the Transformer
encoder-decoder of ``encoder_decoder.py`` with plain layer norms, as in the paper (the memory
replaces R2Gen's RM + MCLN). Each token's response depends only on that token, so incremental
decoding needs no extra state.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from cxrgen.models.config import CMNConfig
from cxrgen.models.encoder_decoder import EncoderDecoderGenerator
from cxrgen.models.registry import register_model
from cxrgen.text.vocab import Vocab


class CrossModalMemory(nn.Module):
    """Multi-head top-k lookup in a shared memory matrix (CMN §2.2)."""

    def __init__(self, size: int, d_model: int, n_heads: int, topk: int):
        super().__init__()
        if topk > size:
            raise ValueError(f"cmm_topk ({topk}) cannot exceed cmm_size ({size})")
        self.n_heads, self.d_k, self.topk = n_heads, d_model // n_heads, topk
        # the memory matrix, initialised N(0, 1/d) like the released code
        self.memory = nn.Parameter(torch.randn(size, d_model) / d_model)
        self.q_proj, self.k_proj = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.v_proj, self.out_proj = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Responses (B, T, D) for the queries ``x`` (B, T, D)."""
        B, T, D = x.shape
        h, dk = self.n_heads, self.d_k
        q = self.q_proj(x).view(B, T, h, dk).transpose(1, 2)  # (B, h, T, d_k)
        k = self.k_proj(self.memory).view(-1, h, dk).transpose(0, 1)  # (h, S, d_k)
        v = self.v_proj(self.memory).view(-1, h, dk).transpose(0, 1)  # (h, S, d_k)
        scores = q @ k.transpose(-2, -1) / math.sqrt(dk)  # memory querying: distances to all slots (B, h, T, S)
        top_scores, top_idx = scores.topk(self.topk, dim=-1)  # keep the top-k slots per query
        weights = torch.full_like(scores, float("-inf")).scatter(-1, top_idx, top_scores).softmax(-1)
        out = weights @ v  # memory responding: weighted sum of the selected values (B, h, T, d_k)
        return self.out_proj(out.transpose(1, 2).reshape(B, T, D))


@register_model("r2gencmn", CMNConfig)
class R2GenCMN(EncoderDecoderGenerator):
    """R2GenCMN (Chen et al., ACL 2021): Transformer + a cross-modal memory shared by image and text."""

    def __init__(self, config: CMNConfig, vocab: Vocab, **kwargs):
        super().__init__(config, vocab, **kwargs)
        self.cmn = CrossModalMemory(config.cmm_size, config.d_model, config.n_heads, config.cmm_topk)

    def fuse_visual(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.cmn(x)

    def fuse_text(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.cmn(x)

"""Auxiliary multi-label disease classification head (CN-X2RG).

The CN-CXR paper's CN-X2RG adds a disease classifier on the encoded image and trains with
``loss = captioning cross-entropy + lambda * BCE(aux_logits, labels)``; the training loop computes
that loss, the model only exposes ``aux_logits`` (one logit per label, before the sigmoid).
"""

from __future__ import annotations

import torch
from torch import nn


class ClassificationHead(nn.Module):
    """Masked mean of the encoder memory -> LayerNorm -> dropout -> Linear(num_labels)."""

    def __init__(self, d_model: int, num_labels: int, dropout: float = 0.1):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(d_model, num_labels)

    def forward(self, memory: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``memory`` (B, P, D), ``mask`` (B, P) bool True = real -> logits (B, num_labels)."""
        w = mask.to(memory.dtype).unsqueeze(-1)
        pooled = (memory * w).sum(1) / w.sum(1).clamp_min(1.0)  # (B, D): masked patches excluded
        return self.fc(self.dropout(self.norm(pooled)))

"""The interface every report generator implements (see ``cxrgen.models`` for the contract)."""

from __future__ import annotations

import torch
from torch import nn

from cxrgen.models.config import ModelConfig
from cxrgen.text.vocab import Vocab


class ReportGenerator(nn.Module):
    """Base class: ``forward`` for training, ``generate`` for inference, ``encode`` for features.

    ``task`` tells the training loop which loss applies: ``"captioning"`` (cross-entropy on
    ``logits`` against ``tokens[:, 1:]`` ignoring ``vocab.pad_id``, plus lambda * BCE on
    ``aux_logits`` when present) or ``"contrastive"`` (InfoNCE on ``contrastive_logits``).
    """

    task = "captioning"
    has_aux_head = False

    def __init__(self, config: ModelConfig, vocab: Vocab):  # the model's own config class
        super().__init__()
        self.config = config
        self.vocab = vocab

    def encode(self, images: torch.Tensor, view_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def generate(self, images: torch.Tensor, view_mask: torch.Tensor, **kwargs):
        raise NotImplementedError

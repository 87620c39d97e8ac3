"""CN-X2RG (the CN-CXR paper's generator): R2Gen or R2GenCMN + prompt features + auxiliary classifier.

Model side only: (1) *prompt features* from a second image encoder (MedCLIP's image tower in the
paper; here any registry encoder loaded from a local file, e.g. the image tower of cxrgen's
contrastive model: ``prompt.encoder.weights=RUN/model.pt``, ``prompt.encoder.weights_prefix=
"contrastive.image_encoder.visual.backbone."`` for a ``retrieval`` checkpoint's state dict), projected to ``prompt.num_tokens`` tokens and appended to
the visual patch tokens before the Transformer encoder, so the encoder fuses both; (2) an
auxiliary multi-label disease head on the encoded image (``aux_logits``; the loop adds
lambda * BCE). Sentence shuffling, entity-graph augmentation and oversampling are data-pipeline
steps, done by the training code, not here.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from cxrgen.models.config import CNX2RGConfig
from cxrgen.models.encoders import create_encoder
from cxrgen.models.registry import MODELS, register_model
from cxrgen.text.vocab import Vocab


class PromptFusion(nn.Module):
    """Second image encoder -> pooled vector per study -> ``num_tokens`` tokens of d_model."""

    def __init__(self, config: CNX2RGConfig):
        super().__init__()
        p = config.prompt
        # frozen only when it has weights to keep: a frozen random network would add noise features
        frozen = (p.freeze or p.encoder.freeze) and p.encoder.weights is not None
        enc_cfg = dataclasses.replace(p.encoder, freeze=frozen)
        self.encoder = create_encoder(enc_cfg)
        self.num_tokens = p.num_tokens
        self.proj = nn.Linear(self.encoder.out_dim, p.num_tokens * config.d_model)

    def forward(self, images: torch.Tensor, view_mask: torch.Tensor) -> torch.Tensor:
        pooled = self.encoder(images, view_mask).pooled  # (B, C_prompt)
        return self.proj(pooled).view(pooled.shape[0], self.num_tokens, -1)  # (B, n_prompt, D)


@register_model("cnx2rg", CNX2RGConfig)
def cnx2rg(config: CNX2RGConfig, vocab: Vocab):
    """CN-X2RG on the model named by ``config.base_model`` ("r2gen" or "r2gencmn")."""
    base = MODELS.get(config.base_model)
    return base(config, vocab, prompt_encoder=PromptFusion(config), num_labels=config.num_labels)

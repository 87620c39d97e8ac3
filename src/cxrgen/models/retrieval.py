"""Retrieval baseline: the report of the nearest training study, by image embedding.

The image tower of the contrastive encoder embeds the study; the report of the training study
with the highest cosine similarity is returned unchanged. Training it is contrastive training
(``model.task == "contrastive"``; loss ``info_nce(out["contrastive_logits"])``), after which the
training code builds the index once::

    model.eval()
    with torch.no_grad():
        embeddings = torch.cat([model.embed_images(b.images, b.view_mask) for b in train_loader])
    model.fit(embeddings, reports)   # reports: token ids (list[list[int]], no bos/eos/pad) or texts

The index travels in ``state_dict()`` (as module extra state), so a saved checkpoint generates
without the training set. Without contrastive training the tower still works (a random
projection of the encoder's pooled features, or of ImageNet features with ``encoder.weights``):
the baseline is then nearest neighbour in feature space.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from cxrgen.errors import ConfigError, InputError
from cxrgen.models.base import ReportGenerator
from cxrgen.models.config import RetrievalConfig
from cxrgen.models.contrastive import ContrastiveEncoder
from cxrgen.models.registry import register_model
from cxrgen.text.vocab import Vocab


@register_model("retrieval", RetrievalConfig)
class RetrievalGenerator(ReportGenerator):
    task = "contrastive"

    def __init__(self, config: RetrievalConfig, vocab: Vocab):
        super().__init__(config, vocab)
        self.contrastive = ContrastiveEncoder(config, len(vocab), vocab.pad_id)
        self.register_buffer("index_embeddings", torch.zeros(0, config.embed_dim), persistent=False)
        self.index_reports: list[list[int]] = []

    def forward(self, images: torch.Tensor, view_mask: torch.Tensor, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        """Contrastive training step: ``contrastive_logits`` (B, B), pairs on the diagonal."""
        return self.contrastive(images, view_mask, tokens)

    def encode(self, images: torch.Tensor, view_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        enc = self.contrastive.image_encoder.visual(images, view_mask)
        return enc.patches, enc.pooled

    def embed_images(self, images: torch.Tensor, view_mask: torch.Tensor) -> torch.Tensor:
        """Unit-norm study embeddings (B, embed_dim), the keys of the index."""
        return self.contrastive.image_encoder(images, view_mask)

    def fit(self, embeddings: torch.Tensor, reports: Sequence[Sequence[int] | str]) -> None:
        """Index the training studies: ``embeddings`` (N, E) from :meth:`embed_images`, one report each."""
        if embeddings.dim() != 2 or embeddings.shape[1] != self.config.embed_dim:
            raise InputError(f"embeddings must be (N, {self.config.embed_dim}); got {tuple(embeddings.shape)}")
        if len(reports) != embeddings.shape[0]:
            raise InputError(f"{embeddings.shape[0]} embeddings but {len(reports)} reports")
        if not reports:
            raise InputError("cannot fit the retrieval index on zero studies")
        ids = [self.vocab.encode(r) if isinstance(r, str) else [int(t) for t in r] for r in reports]
        specials = {self.vocab.pad_id, self.vocab.bos_id, self.vocab.eos_id}
        self.index_reports = [[t for t in r if t not in specials] for r in ids]
        self.index_embeddings = torch.nn.functional.normalize(embeddings.detach().float(), dim=-1).to(
            self.contrastive.logit_scale.device)

    def get_extra_state(self) -> dict[str, Any]:
        return {"embeddings": self.index_embeddings.cpu(), "reports": self.index_reports}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        self.index_embeddings = state["embeddings"].to(self.contrastive.logit_scale.device)
        self.index_reports = [list(r) for r in state["reports"]]

    @torch.no_grad()
    def generate(self, images: torch.Tensor, view_mask: torch.Tensor, max_len: int | None = None,
                 return_attention: bool = False, **decoding_options) -> list[list[int]]:
        """Nearest training report per study, cut to ``max_len`` words. Decoding options (beam
        size, length penalty...) do not apply to retrieval and are accepted for interface parity."""
        if return_attention:
            raise ConfigError("the retrieval baseline has no attention over the image; use a captioning model")
        if not self.index_reports:
            raise ConfigError("the retrieval index is empty: call model.fit(embeddings, reports) after training")
        was_training = self.training
        self.eval()
        try:
            sims = self.embed_images(images, view_mask) @ self.index_embeddings.t()  # (B, N)
            nearest = sims.argmax(-1).tolist()
        finally:
            self.train(was_training)
        max_len = self.config.max_len if max_len is None else max_len
        return [list(self.index_reports[i][:max_len]) for i in nearest]

"""Contrastive encoder (InfoNCE), retrieval baseline, and CN-X2RG's prompt encoder from a contrastive checkpoint."""

from __future__ import annotations

import math

import pytest
import torch

from cxrgen.errors import ConfigError, InputError
from cxrgen.models import create_model
from cxrgen.models.contrastive import info_nce

from .conftest import tiny_config


@pytest.mark.parametrize("logits, expected", [
    (torch.zeros(4, 4), math.log(4)),  # no information: log B
    (torch.eye(3) * 100, 0.0),  # pairs far apart from the rest
    (torch.tensor([[1.0, 0.0], [0.0, 1.0]]), math.log(1 + math.exp(-1))),
])
def test_info_nce_known_values(logits, expected):
    assert info_nce(logits).item() == pytest.approx(expected, abs=1e-6)


def test_retrieval_returns_the_nearest_training_report(vocab, batch):
    torch.manual_seed(0)
    images, view_mask, _ = batch
    model = create_model("retrieval", tiny_config("retrieval"), vocab).eval()
    with pytest.raises(ConfigError, match="call model.fit"):
        model.generate(images, view_mask)
    keys = model.embed_images(images, view_mask)  # the three studies themselves are the index
    model.fit(keys, [[4, 5, 6], "w7 w8 nothere", [1, 9, 2]])
    assert model.index_reports == [[4, 5, 6], [11, 12, 3], [9]]  # text encoded, specials dropped
    assert model.generate(images, view_mask) == [[4, 5, 6], [11, 12, 3], [9]]
    assert model.generate(images[[2, 0]], view_mask[[2, 0]], max_len=2) == [[9], [4, 5]]
    # the index travels in the state dict
    clone = create_model("retrieval", tiny_config("retrieval"), vocab).eval()
    clone.load_state_dict(model.state_dict())
    assert clone.generate(images, view_mask) == [[4, 5, 6], [11, 12, 3], [9]]
    with pytest.raises(InputError, match="3 embeddings but 2 reports"):
        model.fit(keys, [[4], [5]])


def test_cnx2rg_prompt_encoder_loads_the_contrastive_image_tower(vocab, batch, tmp_path):
    torch.manual_seed(0)
    images, view_mask, tokens = batch
    retrieval = create_model("retrieval", tiny_config("retrieval"), vocab)
    torch.save(retrieval.state_dict(), tmp_path / "contrastive.pt")
    cfg = tiny_config("cnx2rg")
    cfg["prompt"] = {"encoder": {"name": "resnet18", "width": 8, "weights": str(tmp_path / "contrastive.pt"),
                                 "weights_prefix": "contrastive.image_encoder.visual.backbone."}}
    model = create_model("cnx2rg", cfg, vocab)
    tower = retrieval.contrastive.image_encoder.visual.backbone
    prompt = model.prompt_encoder.encoder.backbone
    assert torch.equal(prompt.conv1.weight, tower.conv1.weight)
    assert not any(p.requires_grad for p in prompt.parameters())  # frozen, as in CN-X2RG
    out = model(images, view_mask, tokens)
    assert out["aux_logits"].shape == (3, 5)
    with pytest.raises(ConfigError, match="base_model 'transformer' is not one of r2gen, r2gencmn"):
        create_model("cnx2rg", {**tiny_config("cnx2rg"), "base_model": "transformer"}, vocab)

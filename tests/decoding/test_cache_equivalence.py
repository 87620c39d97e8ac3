"""Incremental decoding (cached keys / values, carried relational memory) equals recomputing the prefix."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from cxrgen.models import MODEL_CONFIGS, create_model, list_models
from cxrgen.text.vocab import Vocab

CAPTIONING = [n for n in list_models() if n != "retrieval"]
WORDS = [f"w{i}" for i in range(24)]


def tiny_config(name: str) -> dict:
    """Tiny settings, cut to the fields of the model's own config class."""
    cfg = dict(d_model=32, n_layers=2, n_heads=4, d_ff=64, rm_d_model=32, cmm_size=64, cmm_topk=8, num_labels=5,
               encoder=dict(name="resnet18", width=8, image_size=64))
    if name == "cnx2rg":
        cfg["prompt"] = dict(encoder=dict(name="resnet18", width=8), num_tokens=2)
    fields = {f.name for f in dataclasses.fields(MODEL_CONFIGS.get(name))}
    return {k: v for k, v in cfg.items() if k in fields}


@pytest.fixture(scope="module")
def inputs():
    g = torch.Generator().manual_seed(3)
    images = torch.randn(3, 2, 3, 64, 64, generator=g, dtype=torch.float64)
    return images, torch.tensor([[True, True], [True, False], [False, True]])


@pytest.mark.parametrize("name", CAPTIONING)
def test_cached_beam_equals_recomputed_beam(name, inputs):
    images, view_mask = inputs
    torch.manual_seed(5)
    # float64 so that the two computation orders cannot flip a near-tie between hypotheses
    model = create_model(name, tiny_config(name), Vocab(WORDS)).double().eval()
    for beam, trigrams in ((3, True), (3, False), (1, False), (4, True)):
        kw = dict(max_len=12, beam_size=beam, block_trigrams=trigrams)
        cached = model.generate(images, view_mask, use_cache=True, **kw)
        recomputed = model.generate(images, view_mask, use_cache=False, **kw)
        assert cached == recomputed, (beam, trigrams)
        assert all(1 <= len(r) <= 12 for r in cached)


@pytest.mark.parametrize("name", ["r2gen", "r2gencmn"])
def test_step_log_probs_match(name, inputs):
    images, view_mask = inputs
    torch.manual_seed(5)
    model = create_model(name, tiny_config(name), Vocab(WORDS)).double().eval()
    prefix = torch.tensor([[1, 4, 9, 7, 7, 12]] * 3)
    with torch.no_grad():
        state = model.start_decoding(images, view_mask, use_cache=True)
        state_full = model.start_decoding(images, view_mask, use_cache=False)
        full = model(images, view_mask, torch.cat([prefix, prefix[:, :1]], 1))["logits"].log_softmax(-1)
        for t in range(1, prefix.shape[1] + 1):
            cached, state = model.decode_step(prefix[:, :t], state, use_cache=True)
            uncached, _ = model.decode_step(prefix[:, :t], state_full, use_cache=False)
            torch.testing.assert_close(cached, uncached, rtol=0, atol=1e-10)
            torch.testing.assert_close(cached, full[:, t - 1], rtol=0, atol=1e-10)

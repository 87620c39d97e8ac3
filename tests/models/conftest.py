"""Tiny model settings shared by the model and decoding tests (d_model 32, 64 px, narrow ResNet-18)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from cxrgen.text.vocab import Vocab

WORDS = [f"w{i}" for i in range(24)]


def tiny_config(name: str, **overrides) -> dict:
    """The tiny settings that model ``name``'s config class has (each model has its own)."""
    from cxrgen.models import MODEL_CONFIGS

    cfg = dict(
        d_model=32, n_layers=2, n_heads=4, d_ff=64, dropout=0.1, rm_num_slots=3, rm_d_model=32,
        cmm_size=64, cmm_topk=8, max_len=20, num_labels=5, embed_dim=16, text_layers=1,
        encoder=dict(name="resnet18", width=8, image_size=64),
    )
    if name == "cnx2rg":
        cfg["prompt"] = dict(encoder=dict(name="resnet18", width=8), num_tokens=2)
    cfg.update(overrides)
    fields = {f.name for f in dataclasses.fields(MODEL_CONFIGS.get(name))}
    return {k: v for k, v in cfg.items() if k in fields}


@pytest.fixture
def vocab() -> Vocab:
    return Vocab(WORDS)


@pytest.fixture
def batch():
    """3 studies, up to 2 views (the second study has only one), reports of 4, 2 and 1 words."""
    g = torch.Generator().manual_seed(0)
    images = torch.randn(3, 2, 3, 64, 64, generator=g)
    view_mask = torch.tensor([[True, True], [True, False], [True, True]])
    tokens = torch.tensor([
        [1, 4, 5, 6, 7, 2],
        [1, 8, 9, 2, 0, 0],
        [1, 10, 2, 0, 0, 0],
    ])
    return images, view_mask, tokens


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread on the shared 2-core CI machine (no oversubscription)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

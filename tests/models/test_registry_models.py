"""Every registered model: forward, backward and a 3-token generate on CPU (as timm tests its models)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from cxrgen.errors import ConfigError, UnknownNameError
from cxrgen.models import create_model, list_models
from cxrgen.models.contrastive import info_nce

from .conftest import tiny_config


def test_registry_lists_the_published_models():
    assert list_models() == ["cnx2rg", "r2gen", "r2gencmn", "retrieval", "transformer"]


@pytest.mark.parametrize("name", list_models())
def test_forward_backward_generate(name, vocab, batch):
    torch.manual_seed(0)
    images, view_mask, tokens = batch
    model = create_model(name, tiny_config(name), vocab)
    out = model(images, view_mask, tokens)
    if model.task == "captioning":
        assert out["logits"].shape == (3, tokens.shape[1] - 1, len(vocab))
        loss = F.cross_entropy(out["logits"].transpose(1, 2), tokens[:, 1:], ignore_index=vocab.pad_id)
        if model.has_aux_head:
            assert out["aux_logits"].shape == (3, 5)
            loss = loss + 0.5 * F.binary_cross_entropy_with_logits(out["aux_logits"], torch.ones(3, 5))
        else:
            assert "aux_logits" not in out
    else:
        assert out["contrastive_logits"].shape == (3, 3)
        loss = info_nce(out["contrastive_logits"])
        model.fit(torch.randn(4, 16), [[4, 5, 6, 7], [8], [9, 10], [11, 12, 13]])
    assert torch.isfinite(loss)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None for g in grads), "every trainable parameter receives a gradient"
    assert sum(float(g.abs().sum()) for g in grads) > 0

    model.eval()
    for beam in (1, 3):
        reports = model.generate(images, view_mask, max_len=3, beam_size=beam)
        assert len(reports) == 3
        for r in reports:
            assert len(r) <= 3
            assert all(4 <= t < len(vocab) or t == vocab.unk_id for t in r)  # no special token
    patches, pooled = model.encode(images, view_mask)
    assert patches.shape[0] == 3 and pooled.shape[0] == 3 and patches.shape[2] == pooled.shape[1]


def test_unknown_model_lists_valid_names(vocab):
    with pytest.raises(UnknownNameError, match="valid choices: cnx2rg, r2gen, r2gencmn, retrieval, transformer"):
        create_model("r2gen_v2", None, vocab)


def test_missing_vocab_is_a_config_error():
    with pytest.raises(ConfigError, match="needs the Vocab"):
        create_model("r2gen", None, None)


def test_attention_maps_per_view(vocab, batch):
    torch.manual_seed(0)
    images, view_mask, _ = batch
    model = create_model("r2gen", tiny_config("r2gen"), vocab).eval()
    reports, maps = model.generate(images, view_mask, max_len=5, return_attention=True)
    assert len(maps) == 3
    for m, vm in zip(maps, view_mask):
        assert m.shape == (2, 2, 2)  # (V, h, w): 64 px / 32
        assert float(m.sum()) == pytest.approx(1.0, abs=1e-5)  # a distribution over the real patches
        assert bool((m[~vm] == 0).all())  # a missing view gets no heat


@pytest.mark.parametrize("kwargs", [{"max_len": 0}, {"beam_size": 0}, {"min_len": 5, "max_len": 3}])
def test_bad_decoding_options(vocab, batch, kwargs):
    images, view_mask, _ = batch
    model = create_model("r2gen", tiny_config("r2gen"), vocab)
    with pytest.raises(ConfigError, match="generate needs max_len >= 1"):
        model.generate(images, view_mask, **kwargs)


def test_prompt_options_outside_cnx2rg_are_refused(vocab):
    cfg = tiny_config("cnx2rg")
    with pytest.raises(ConfigError, match="use the 'cnx2rg' model"):
        create_model("r2gen", cfg, vocab)

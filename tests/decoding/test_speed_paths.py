"""Each speed path gives the numbers of the plain path (issue 14): fused vs per-norm MCLN, finished studies
dropped from the beam batch or kept, channels_last vs contiguous convolutions, compiled vs eager.

Tolerances: float64 models, 1e-10 absolute on log-probabilities (two summation orders of the same
products); decoded reports must be identical.
"""

from __future__ import annotations

import pytest
import torch

from cxrgen.decoding.beam import beam_search
from cxrgen.models import create_model
from cxrgen.text.vocab import Vocab

WORDS = [f"w{i}" for i in range(24)]
TINY = dict(d_model=32, n_layers=2, n_heads=4, d_ff=64, rm_d_model=32, encoder=dict(name="resnet18", width=8, image_size=64))


@pytest.fixture(scope="module")
def inputs():
    g = torch.Generator().manual_seed(3)
    images = torch.randn(4, 2, 3, 64, 64, generator=g, dtype=torch.float64)
    tokens = torch.tensor([[1, 4, 9, 7, 7, 12, 2], [1, 5, 6, 2, 0, 0, 0], [1, 8, 8, 9, 10, 11, 2], [1, 4, 2, 0, 0, 0, 0]])
    return images, torch.tensor([[True, True], [True, False], [False, True], [True, True]]), tokens


def pair(**options):
    """Two float64 models with the same weights: ``options`` on the second only."""
    torch.manual_seed(5)
    a = create_model("r2gen", TINY, Vocab(WORDS)).double().eval()
    b = create_model("r2gen", {**TINY, **options}, Vocab(WORDS)).double().eval()
    b.load_state_dict(a.state_dict())
    return a, b


@pytest.mark.parametrize("final_norm", ["plain", "mcln"])
@pytest.mark.parametrize("formula", ["r2gen", "layer_norm"])
def test_fused_mcln_equals_per_norm_mlps(inputs, final_norm, formula):
    images, view_mask, tokens = inputs
    torch.manual_seed(5)
    options = {**TINY, "final_norm": final_norm, "norm_formula": formula}
    fused = create_model("r2gen", options, Vocab(WORDS)).double().eval()
    plain = create_model("r2gen", {**options, "fused_norm": False}, Vocab(WORDS)).double().eval()
    plain.load_state_dict(fused.state_dict())
    assert fused.config.fused_norm and not plain.config.fused_norm
    with torch.no_grad():
        torch.testing.assert_close(fused(images, view_mask, tokens)["logits"], plain(images, view_mask, tokens)["logits"],
                                   rtol=0, atol=1e-10)
    kw = dict(max_len=10, beam_size=3, block_trigrams=False)
    assert fused.generate(images, view_mask, **kw) == plain.generate(images, view_mask, **kw)


@pytest.mark.parametrize("rule", ["cxrgen", "r2gen"])
@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_dropping_finished_studies_changes_no_report(inputs, rule, length_penalty):
    images, view_mask, _ = inputs
    model, _ = pair()
    v = model.vocab
    with torch.no_grad():
        model.logit.bias[v.eos_id] += 0.0 if length_penalty == 0 else 1.0  # the studies end at different steps
        reports = {}
        for drop in (True, False):
            state = model.start_decoding(images, view_mask)
            reports[drop] = beam_search(model.decode_step, state, 4, bos=v.bos_id, eos=v.eos_id, pad=v.pad_id,
                                        beam_size=3, max_len=12, length_penalty=length_penalty, block_trigrams=False,
                                        drop_finished=drop, rule=rule)
    assert reports[True] == reports[False]
    assert len({len(r) for r in reports[True]}) > 1  # the studies did end at different lengths


def test_channels_last_encoder_gives_the_same_features(inputs):
    images, view_mask, tokens = inputs
    nhwc, nchw = pair(encoder={**TINY["encoder"], "channels_last": False})  # the default is channels_last
    assert nhwc.visual.channels_last and not nchw.visual.channels_last
    with torch.no_grad():
        torch.testing.assert_close(nhwc(images, view_mask, tokens)["logits"], nchw(images, view_mask, tokens)["logits"],
                                   rtol=0, atol=1e-10)


@pytest.mark.slow
def test_compiled_decoding_and_training_forward_equal_eager(inputs):
    """decode.compile / train.compile (torch.compile, inductor on CPU; ~2 min on 2 cores: marked slow)."""
    images, view_mask, tokens = inputs
    eager, compiled = pair()
    kw = dict(max_len=8, beam_size=3, block_trigrams=False, beam_rule="r2gen")
    assert compiled.generate(images, view_mask, compile=True, **kw) == eager.generate(images, view_mask, **kw)
    compiled.compile()
    with torch.no_grad():
        torch.testing.assert_close(compiled(images, view_mask, tokens)["logits"], eager(images, view_mask, tokens)["logits"],
                                   rtol=0, atol=1e-9)

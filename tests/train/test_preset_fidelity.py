"""The paper presets build R2Gen / R2GenCMN as released and decode with R2Gen's beam rules; the demo preset
names the variants it uses instead (issue 14)."""

from __future__ import annotations

import pytest

from cxrgen.models.config import CMNConfig, R2GenConfig
from cxrgen.train.config import load_config
from cxrgen.train.experiment import model_options

PAPER = ["r2gen_iu_xray", "r2gen_mimic_cxr", "r2gencmn_iu_xray", "r2gencmn_mimic_cxr"]


@pytest.mark.parametrize("preset", PAPER)
def test_paper_presets_decode_as_r2gen(preset):
    d = load_config(preset, []).decode
    # R2Gen's run scripts: beam 3; caption_model.beam_search: no length penalty, no trigram blocking
    assert (d.beam_size, d.length_penalty, d.block_trigrams, d.beam_rule) == (3, 0.0, False, "r2gen")


@pytest.mark.parametrize("preset", PAPER)
def test_paper_presets_keep_the_reference_architecture(preset):
    cfg = load_config(preset, [])
    options = model_options(cfg, [])
    reference = {"r2gen": R2GenConfig, "r2gencmn": CMNConfig}[cfg.model.name]()
    keys = [k for k in ("norm_formula", "final_norm", "drop_prob_lm", "rm_dropout", "init") if hasattr(reference, k)]
    assert {"norm_formula", "drop_prob_lm"} <= set(keys)
    for key in keys:
        assert options.get(key, getattr(reference, key)) == getattr(reference, key), key
    r2gen = R2GenConfig()
    assert (r2gen.norm_formula, r2gen.final_norm, r2gen.drop_prob_lm, r2gen.rm_dropout, r2gen.init) == (
        "r2gen", "plain", 0.5, 0.1, "r2gen")


def test_demo_preset_names_its_variants():
    cfg = load_config("demo", [])
    options = model_options(cfg, [])
    assert (options["norm_formula"], options["final_norm"], options["drop_prob_lm"], options["rm_dropout"],
            options["init"]) == ("layer_norm", "mcln", 0.1, 0.0, "torch")
    assert (cfg.decode.beam_rule, cfg.decode.block_trigrams, cfg.decode.length_penalty) == ("cxrgen", False, 1.0)

"""The METEOR variants users choose (``--meteor coco|fr-exact-stem``): which languages each
scores, how each is signed, what is left out by default, and the CLI. Values against Java are in
test_meteor_coco_parity.py (fr, zh) and test_meteor_parity.py (en)."""

from __future__ import annotations

import json

import pytest

from cxrgen.cli import main
from cxrgen.errors import ConfigError
from cxrgen.metrics import score_corpus
from cxrgen.metrics.base import METRICS
from cxrgen.metrics.meteor_variants import METEOR_CHOICES

Meteor = METRICS.get("METEOR")
ZH = (["心 影 不 大 。", "左 侧 少 量 胸 腔 积 液 。"], ["心 影 增 大 。", "右 侧 少 量 胸 腔 积 液 。"])


@pytest.fixture(scope="module")
def resources_ready():
    try:
        Meteor("en").scorer
    except ConfigError as exc:
        pytest.skip(f"METEOR resources unavailable: {exc}")


def test_variants_languages_and_signatures():
    assert METEOR_CHOICES == ("coco", "fr-exact-stem")
    assert Meteor("en").impl == "meteor-1.5" and Meteor("en").variant == "coco"
    assert Meteor("fr").impl == "meteor-1.5-fr-exact-stem"
    for lang in ("en", "fr", "zh"):
        assert Meteor(lang, variant="coco").impl == "meteor-1.5-coco"
    assert Meteor.supports("zh", variant="coco") and not Meteor.supports("zh")
    with pytest.raises(ConfigError, match="--meteor coco"):
        Meteor("zh")
    with pytest.raises(ConfigError, match="is for fr text"):
        Meteor("zh", variant="fr-exact-stem")
    with pytest.raises(ConfigError, match="valid choices: coco, fr-exact-stem"):
        Meteor("en", variant="java")


def test_chinese_default_leaves_meteor_out_and_coco_adds_it(resources_ready):
    refs, hyps = ZH
    default = score_corpus(refs, hyps, lang="zh", tokenized=True)
    assert "METEOR" not in default.scores and "--meteor coco" in default.skipped["METEOR"]
    coco = score_corpus(refs, hyps, lang="zh", tokenized=True, meteor="coco")
    sig = str(coco.scores["METEOR"].signature)
    assert "lang:zh" in sig and "impl:meteor-1.5-coco" in sig and "tok:whitespace" in sig
    assert 0.0 < coco.values()["METEOR"] < 1.0
    # coco on English text is the English default, signed as the explicit choice
    en = score_corpus(["the heart is normal ."], ["the heart is large ."], lang="en", tokenized=True,
                      metrics=["METEOR"])
    en_coco = score_corpus(["the heart is normal ."], ["the heart is large ."], lang="en", tokenized=True,
                           metrics=["METEOR"], meteor="coco")
    assert en.values()["METEOR"] == en_coco.values()["METEOR"]


def test_score_cli_meteor_choice(tmp_path, capsys, resources_ready):
    refs, hyps = tmp_path / "refs.txt", tmp_path / "hyps.txt"
    refs.write_text("\n".join(ZH[0]) + "\n", encoding="utf-8")
    hyps.write_text("\n".join(ZH[1]) + "\n", encoding="utf-8")
    assert main(["score", "--refs", str(refs), "--hyps", str(hyps), "--lang", "zh", "--tokenized",
                 "--meteor", "coco", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "impl:meteor-1.5-coco" in out["signatures"]["METEOR"]
    assert main(["score", "--refs", str(refs), "--hyps", str(hyps), "--lang", "zh", "--tokenized",
                 "--meteor", "fr-exact-stem"]) == 2
    err = capsys.readouterr().err
    assert "is for fr text" in err and len(err.strip().splitlines()) == 1

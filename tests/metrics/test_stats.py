"""Seeded bootstrap intervals and the paired approximate-randomisation test."""

from __future__ import annotations

import numpy as np
import pytest

from cxrgen.errors import ConfigError
from cxrgen.metrics import bootstrap_ci, paired_randomization, score_corpus
from cxrgen.metrics.bleu import Bleu
from cxrgen.metrics.rouge import RougeL

WORDS = "heart lungs clear normal no effusion pneumothorax size mediastinum stable".split()


def corpus(seed, n=60):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=rng.integers(4, 12))) for _ in range(n)]


REFS = corpus(0)
GOOD = [r if i % 4 else r.split(" ", 1)[-1] for i, r in enumerate(REFS)]  # near-copies
BAD = corpus(1)


def rows(metric, hyps):
    return metric.statistics([h.split() for h in hyps], [[r.split()] for r in REFS])


def test_bootstrap_is_seeded_and_brackets_the_score():
    m = Bleu()
    r = rows(m, BAD)
    a = bootstrap_ci(m, r, n_resamples=200, seed=7)
    assert a == bootstrap_ci(m, r, n_resamples=200, seed=7)
    assert a != bootstrap_ci(m, r, n_resamples=200, seed=8)
    value = m.aggregate(r)
    for name, (low, high) in a.items():
        assert low < value[name] < high


def test_identical_systems_are_not_significantly_different():
    m = RougeL()
    r = rows(m, GOOD)
    result = paired_randomization(m, r, r.copy(), trials=100, seed=3)
    assert result["ROUGE-L"].delta == 0.0
    assert result["ROUGE-L"].p_value == 1.0


def test_clearly_better_system_is_significant_and_seeded():
    m = Bleu()
    good, bad = rows(m, GOOD), rows(m, BAD)
    first = paired_randomization(m, good, bad, trials=200, seed=3)
    assert first["BLEU-4"].delta > 0.3
    assert first["BLEU-4"].p_value == pytest.approx(1 / 201)  # no trial reaches the difference
    assert first == paired_randomization(m, good, bad, trials=200, seed=3)


def test_bad_arguments_are_config_errors():
    m = Bleu()
    r = rows(m, GOOD)
    with pytest.raises(ConfigError, match="positive"):
        bootstrap_ci(m, r, n_resamples=0)
    with pytest.raises(ConfigError, match="same reports"):
        paired_randomization(m, r, r[:10])


def test_seed_and_resamples_are_in_the_signature():
    result = score_corpus(REFS, GOOD, lang="en", metrics=["BLEU"], tokenized=True, bootstrap=50, seed=99)
    sig = str(result.scores["BLEU-4"].signature)
    assert sig == "BLEU-4|tok:whitespace|norm:none|lang:en|nrefs:1|impl:coco|version:0.1.0|bootstrap:50|seed:99"
    assert result.scores["BLEU-4"].ci is not None

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
    result = score_corpus(GOOD, REFS, lang="en", metrics=["BLEU"], tokenized=True, bootstrap=50, seed=99)
    sig = str(result.scores["BLEU-4"].signature)
    assert sig == "BLEU-4|tok:whitespace|norm:none|lang:en|nrefs:1|impl:coco|version:0.1.0|bootstrap:50|seed:99"
    assert result.scores["BLEU-4"].ci is not None


class _NoFastPath:
    """The same metric without ``aggregate_totals``: forces one ``aggregate`` per resample."""

    def __init__(self, metric):
        self._m = metric
        self.score_names = metric.score_names

    def aggregate(self, rows):
        return self._m.aggregate(rows)

    def aggregate_totals(self, totals, n):
        return None


@pytest.mark.parametrize("metric_cls", [Bleu, RougeL])
def test_fast_path_equals_one_aggregate_per_resample(metric_cls):
    m = metric_cls()
    good, bad = rows(m, GOOD), rows(m, BAD)
    slow = _NoFastPath(m)
    fast_ci = bootstrap_ci(m, bad, n_resamples=300, seed=11)
    slow_ci = bootstrap_ci(slow, bad, n_resamples=300, seed=11)
    for name in m.score_names:
        assert fast_ci[name] == pytest.approx(slow_ci[name], abs=1e-12)
    mixed = np.where((np.arange(len(good)) % 20 == 0)[:, None], good, bad)  # a close contest
    fast_p = paired_randomization(m, mixed, bad, trials=300, seed=4)
    slow_p = paired_randomization(slow, mixed, bad, trials=300, seed=4)
    for name in m.score_names:
        assert 0.05 < fast_p[name].p_value < 0.9
        assert fast_p[name].p_value == slow_p[name].p_value

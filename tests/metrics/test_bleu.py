"""BLEU-1..4 as pycocoevalcap computes it: known values worked out from its formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cxrgen.metrics.bleu import SMALL, TINY, Bleu


def bleu(hyps, refs):
    m = Bleu()
    rows = m.statistics([h.split() for h in hyps], [[r.split() for r in rs] for rs in refs])
    return m.aggregate(rows), rows


def test_identical_is_one():
    scores, _ = bleu(["the heart is normal"], [["the heart is normal"]])
    for n in range(1, 5):
        assert scores[f"BLEU-{n}"] == pytest.approx(1.0, abs=1e-9)


def test_short_hypothesis_brevity_penalty_and_epsilon_quirk():
    # p1..p3 = 1; no 4-gram exists so p4 = (0 + 1e-15) / (0 + 1e-9) = 1e-6, not 0
    # (pycocoevalcap's constants); brevity penalty exp(1 - 4/3).
    scores, _ = bleu(["the heart is"], [["the heart is normal"]])
    bp = math.exp(1 - 4 / 3)
    assert scores["BLEU-1"] == pytest.approx(bp, abs=1e-9)
    assert scores["BLEU-3"] == pytest.approx(bp, abs=1e-9)
    assert scores["BLEU-4"] == pytest.approx((TINY / SMALL) ** 0.25 * bp, rel=1e-6)
    assert scores["BLEU-4"] == pytest.approx(0.0226588, abs=1e-7)


def test_clipped_counts():
    # "the the the" against "the heart": 1 of 3 unigrams match (clipped), no bigram
    scores, rows = bleu(["the the the"], [["the heart"]])
    assert rows[0].tolist() == [3, 2, 3, 2, 1, 0, 1, 0, 0, 0]
    assert scores["BLEU-1"] == pytest.approx((1 + TINY) / (3 + SMALL), abs=1e-12)


def test_closest_reference_length_ties_go_to_the_shorter():
    _, rows = bleu(["a b c d e"], [["a b c d", "a b c d e f"]])
    assert rows[0, 1] == 4
    _, rows = bleu(["a b"], [["a b c d e f", "x"]])
    assert rows[0, 1] == 1


def test_corpus_sums_statistics_not_mean_of_sentence_scores():
    hyps, refs = ["a b c d", "x y"], [["a b c d"], ["p q r s t u"]]
    scores, rows = bleu(hyps, refs)
    per = Bleu().per_report(rows)["BLEU-1"]
    assert scores["BLEU-1"] != pytest.approx(np.mean(per))
    # 4 of 6 unigrams match; r = 4 + 6 = 10 > c = 6
    assert scores["BLEU-1"] == pytest.approx((4 / 6) * math.exp(1 - 10 / 6), abs=1e-9)


def test_empty_hypothesis_scores_zero():
    scores, _ = bleu(["", "the heart"], [["the heart"], ["the heart"]])
    assert scores["BLEU-1"] == pytest.approx(math.exp(1 - 4 / 2), abs=1e-9)
    only_empty, _ = bleu([""], [["the heart"]])
    assert only_empty == {f"BLEU-{n}": 0.0 for n in range(1, 5)}

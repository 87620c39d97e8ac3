"""CIDEr-D as pycocoevalcap computes it: known values worked out from its definition."""

from __future__ import annotations

import math

import pytest

from cxrgen.metrics.cider import CiderD


def cider(hyps, refs):
    m = CiderD()
    rows = m.statistics([h.split() for h in hyps], [[r.split() for r in rs] for rs in refs])
    return m.aggregate(rows)["CIDEr"], m.per_report(rows)["CIDEr"]


def test_identical_two_word_reports():
    # idf = log 2 for every n-gram; cosine 1 for n = 1, 2 and 0 for n = 3, 4 (no such n-grams):
    # mean 0.5, times 10
    score, per = cider(["a b", "c d"], [["a b"], ["c d"]])
    assert per.tolist() == pytest.approx([5.0, 5.0])
    assert score == pytest.approx(5.0)


def test_single_report_corpus_scores_zero():
    # log(N) = log 1 = 0 makes every tf-idf weight 0
    score, _ = cider(["the heart is normal"], [["the heart is normal"]])
    assert score == 0.0


def test_length_penalty_counts_bigrams():
    # hypothesis "a b c" (2 bigrams) vs reference "a b c d e" (4 bigrams): penalty exp(-4/72)
    refs = [["a b c d e"], ["x y"]]
    score, per = cider(["a b c", "x y"], refs)
    w = math.log(2)
    h = {1: [w] * 3, 2: [w] * 2, 3: [w], 4: []}
    r = {1: [w] * 5, 2: [w] * 4, 3: [w] * 3, 4: [w] * 2}
    cos = [sum(x * x for x in h[n]) / (math.sqrt(sum(x * x for x in h[n])) * math.sqrt(sum(x * x for x in r[n])))
           if h[n] else 0.0 for n in (1, 2, 3, 4)]
    expected = sum(cos) / 4 * math.exp(-(2 - 4) ** 2 / (2 * 6.0**2)) * 10
    assert per[0] == pytest.approx(expected, abs=1e-12)


def test_empty_hypothesis_scores_zero():
    score, per = cider(["", "c d"], [["a b"], ["c d"]])
    assert per.tolist() == pytest.approx([0.0, 5.0])


def test_multiple_references_are_averaged():
    _, one = cider(["a b", "c d"], [["a b"], ["c d"]])
    _, two = cider(["a b", "c d"], [["a b", "a b"], ["c d", "c d"]])
    assert two.tolist() == pytest.approx(one.tolist())

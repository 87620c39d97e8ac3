"""ROUGE-L (beta 1.2) as pycocoevalcap computes it, and the bit-parallel LCS."""

from __future__ import annotations

import random

import pytest

from cxrgen.metrics.rouge import BETA, RougeL, lcs_length


def _lcs_table(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = table[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(table[i - 1][j], table[i][j - 1])
    return table[-1][-1]


LCS = [("a b c d", "a c d e f", 3), ("", "a b", 0), ("a", "a", 1), ("a b a b", "b a b a", 3),
       ("x y z", "p q r", 0), ("the the the", "the", 1)]


@pytest.mark.parametrize("a, b, expected", LCS)
def test_lcs_known(a, b, expected):
    assert lcs_length(a.split(), b.split()) == expected == lcs_length(b.split(), a.split())


def test_lcs_equals_dynamic_programming_on_random_sequences():
    rng = random.Random(0)
    for _ in range(300):
        a = [rng.choice("abcde") for _ in range(rng.randrange(0, 90))]
        b = [rng.choice("abcde") for _ in range(rng.randrange(0, 90))]
        assert lcs_length(a, b) == _lcs_table(a, b)


def rouge(hyps, refs):
    m = RougeL()
    rows = m.statistics([h.split() for h in hyps], [[r.split() for r in rs] for rs in refs])
    return m.aggregate(rows)["ROUGE-L"], m.per_report(rows)["ROUGE-L"]


def test_known_f_measure():
    p, r = 3 / 4, 3 / 5
    expected = (1 + BETA**2) * p * r / (r + BETA**2 * p)
    score, _ = rouge(["a b c d"], [["a c d e f"]])
    assert score == pytest.approx(expected, abs=1e-12)
    assert score == pytest.approx(0.6535714285714286, abs=1e-12)


def test_max_precision_and_max_recall_are_taken_separately():
    # ref 1 gives P = 1/2, R = 1; ref 2 gives P = 1, R = 2/4: F uses P = 1 and R = 1
    score, _ = rouge(["a b"], [["a", "a b c d"]])
    assert score == pytest.approx(1.0)


def test_empty_reports_follow_pycocoevalcap():
    # "".split(" ") == [""]: empty vs empty is a full match, empty vs text is 0, nothing crashes
    score, per = rouge(["", "", "a b"], [[""], ["a b"], [""]])
    assert per.tolist() == [1.0, 0.0, 0.0]
    assert score == pytest.approx(1 / 3)

"""ROUGE-L equal to pycocoevalcap 1.2 ``Rouge()`` (Lin, "ROUGE", ACL workshop 2004).

Per report: the longest common subsequence (LCS) of hypothesis and each reference gives
precision ``lcs / |hyp|`` and recall ``lcs / |ref|``; the maximum precision and the maximum
recall over the references (taken separately, as the reference does) give
``F = (1 + beta^2) P R / (R + beta^2 P)`` with ``beta = 1.2`` ("updated based on discussion
with Hovey" in pycocoevalcap), 0 when P or R is 0. The corpus score is the mean over reports.

Empty reports: pycocoevalcap splits the text on a single space, so an empty report is the one
token ``""``, not zero tokens: empty against empty scores 1.0, empty against text scores 0.0,
and nothing divides by zero. This module reproduces that, so that scores stay equal.

The LCS length is computed with the bit-parallel algorithm of Allison & Dix (1986) in the form
of Hyyrö (2004): one pass over the reference tokens with Python integers as bit vectors over the
hypothesis positions, instead of the reference's quadratic table of Python lists.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from cxrgen.metrics.base import Metric, register_metric

BETA = 1.2


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences (bit-parallel)."""
    if len(a) < len(b):
        a, b = b, a
    m = len(a)
    if m == 0 or not b:
        return 0
    masks: dict[str, int] = {}
    for i, tok in enumerate(a):
        masks[tok] = masks.get(tok, 0) | (1 << i)
    full = (1 << m) - 1
    v = full
    for tok in b:
        match = masks.get(tok)
        if match:
            u = v & match
            v = ((v + u) | (v - u)) & full
    return m - v.bit_count()


def _as_coco_tokens(tokens: Sequence[str]) -> Sequence[str]:
    # "".split(" ") == [""]: the reference sees an empty report as one empty token
    return tokens if len(tokens) else ("",)


@register_metric("ROUGE-L")
class RougeL(Metric):
    """ROUGE-L F (beta 1.2), mean over reports, equal to pycocoevalcap 1.2 ``Rouge()`` to 1e-9.

    Statistics per report: the report's F score (1 column); the corpus score is their mean.
    """

    score_names = ("ROUGE-L",)

    def statistics(self, hyps, refs) -> np.ndarray:
        rows = np.zeros((len(hyps), 1), dtype=np.float64)
        for i, (hyp, rs) in enumerate(zip(hyps, refs)):
            hyp = _as_coco_tokens(hyp)
            prec_max = rec_max = 0.0
            for ref in rs:
                ref = _as_coco_tokens(ref)
                lcs = lcs_length(ref, hyp)
                prec_max = max(prec_max, lcs / len(hyp))
                rec_max = max(rec_max, lcs / len(ref))
            if prec_max != 0 and rec_max != 0:
                rows[i, 0] = ((1 + BETA**2) * prec_max * rec_max) / (rec_max + BETA**2 * prec_max)
        return rows

    def aggregate(self, stats: np.ndarray) -> dict[str, float]:
        return {"ROUGE-L": float(np.mean(stats[:, 0])) if len(stats) else 0.0}

    def aggregate_totals(self, totals: np.ndarray, n: int) -> dict[str, np.ndarray]:
        return {"ROUGE-L": totals[:, 0] / n}

    def per_report(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        return {"ROUGE-L": stats[:, 0].copy()}

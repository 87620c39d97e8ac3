"""Corpus BLEU-1..4 equal to pycocoevalcap 1.2 ``Bleu(4)`` (Papineni et al., ACL 2002).

What pycocoevalcap's ``BleuScorer.compute_score(option="closest")`` does, and therefore what
this module does:

* n-grams of the whitespace-split tokens, n = 1..4; a hypothesis n-gram is matched at most as
  often as it occurs in the reference that contains it most often (clipped counts over the
  maximum reference counts);
* the effective reference length of a report is the reference length closest to the hypothesis
  length, ties going to the shorter reference;
* corpus level: matches, guesses and lengths are summed over reports first; BLEU-n is the
  *cumulative* geometric mean ``(prod_{k<=n} (correct_k + tiny) / (guess_k + small)) ** (1/n)``
  with ``tiny = 1e-15`` and ``small = 1e-9`` (the reference's constants, no other smoothing),
  times the brevity penalty ``exp(1 - r/c)`` where ``c/r = (c + tiny) / (r + small)`` < 1.

Per report, the same formula on the report's own counts (pycocoevalcap's second return value).
The counts of the whole corpus are computed at once in NumPy (:mod:`cxrgen.metrics.ngrams`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from cxrgen.metrics.base import Metric, register_metric
from cxrgen.metrics.ngrams import MAX_N, CorpusNgrams

# pycocoevalcap bleu_scorer.compute_score: "so that if guess is 0 still return 0"
TINY = 1e-15
SMALL = 1e-9

# columns of the statistics rows
_TESTLEN, _REFLEN = 0, 1
_GUESS = slice(2, 2 + MAX_N)
_CORRECT = slice(2 + MAX_N, 2 + 2 * MAX_N)


def _closest_reflen(reflens: Sequence[int], testlen: int) -> int:
    # min over (|l - c|, l): the closest length, the shorter one on a tie
    return min((abs(length - testlen), length) for length in reflens)[1]


def _bleu(testlen, reflen, guess, correct) -> np.ndarray:
    """BLEU-1..4 for arrays of sums: guess/correct of shape (..., 4), lengths of shape (...)."""
    ratios = (correct + TINY) / (guess + SMALL)  # (..., 4)
    cumulative = np.cumprod(ratios, axis=-1)
    bleus = cumulative ** (1.0 / np.arange(1, MAX_N + 1))
    ratio = (testlen + TINY) / (reflen + SMALL)
    with np.errstate(divide="ignore", over="ignore"):
        penalty = np.where(ratio < 1, np.exp(1 - 1 / ratio), 1.0)
    return bleus * penalty[..., None]


@register_metric("BLEU")
class Bleu(Metric):
    """BLEU-1..4, corpus level, equal to pycocoevalcap 1.2 ``Bleu(4).compute_score`` to 1e-9.

    Statistics per report: hypothesis length, closest reference length, guesses and clipped
    matches for n = 1..4 (10 columns); the corpus score sums them, like the reference.
    """

    score_names = tuple(f"BLEU-{n}" for n in range(1, MAX_N + 1))

    def statistics(self, hyps, refs) -> np.ndarray:
        n_reports = len(hyps)
        rows = np.zeros((n_reports, 2 + 2 * MAX_N), dtype=np.float64)
        if n_reports == 0:
            return rows
        nrefs = np.array([len(rs) for rs in refs], dtype=np.int64)
        first_ref = np.cumsum(nrefs) - nrefs  # index of each report's first reference
        corpus = CorpusNgrams(list(hyps) + [r for rs in refs for r in rs])
        hyp_doc = corpus.doc_index[:n_reports]
        ref_doc = corpus.doc_index[n_reports:]
        testlen = corpus.lengths[:n_reports]
        ref_lengths = corpus.lengths[n_reports:].tolist()
        rows[:, _TESTLEN] = testlen
        if np.all(nrefs == 1):  # one reference each: it is the closest (no Python loop)
            rows[:, _REFLEN] = corpus.lengths[n_reports:]
        else:
            for i in range(n_reports):
                begin = int(first_ref[i])
                rows[i, _REFLEN] = _closest_reflen(ref_lengths[begin:begin + nrefs[i]], int(testlen[i]))
        for k, order in enumerate(corpus.orders):
            report, entry = order.expand(hyp_doc)  # every n-gram of every hypothesis
            codes, hyp_counts = order.codes[entry], order.counts[entry]
            max_ref = np.zeros(len(entry), dtype=np.int64)  # its maximum count over references
            for j in range(int(nrefs.max())):
                has = nrefs > j
                doc_j = ref_doc[np.where(has, first_ref + j, 0)]
                found_at, found = order.find(doc_j[report], codes)
                found &= has[report]
                max_ref = np.maximum(max_ref, np.where(found, order.counts[found_at], 0))
            clipped = np.minimum(hyp_counts, max_ref)
            rows[:, _CORRECT.start + k] = np.bincount(report, weights=clipped, minlength=n_reports)
            rows[:, _GUESS.start + k] = np.maximum(0, testlen - k)
        return rows

    def aggregate(self, stats: np.ndarray) -> dict[str, float]:
        total = stats.sum(axis=0)
        values = _bleu(total[_TESTLEN], total[_REFLEN], total[_GUESS], total[_CORRECT])
        return {name: float(v) for name, v in zip(self.score_names, values)}

    def aggregate_totals(self, totals: np.ndarray, n: int) -> dict[str, np.ndarray]:
        values = _bleu(totals[:, _TESTLEN], totals[:, _REFLEN], totals[:, _GUESS], totals[:, _CORRECT])
        return {name: values[:, k] for k, name in enumerate(self.score_names)}

    def per_report(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        values = _bleu(stats[:, _TESTLEN], stats[:, _REFLEN], stats[:, _GUESS], stats[:, _CORRECT])
        return {name: values[:, k] for k, name in enumerate(self.score_names)}

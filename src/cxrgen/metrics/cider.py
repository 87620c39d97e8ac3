"""CIDEr-D equal to pycocoevalcap 1.2 ``Cider()`` (Vedantam et al., CVPR 2015).

pycocoevalcap's ``Cider`` is the CIDEr-D variant, and so is this module:

* TF-IDF vectors of the 1..4-grams, with document frequencies counted over the *references
  being scored* (an n-gram counts once per report whose references contain it) and
  ``idf = log(N) - log(max(1, df))`` where N is the number of reports;
* per n, the cosine similarity between hypothesis and each reference with clipping
  (``min(hyp, ref) * ref`` in the numerator), left undivided when either norm is 0;
* a Gaussian length penalty ``exp(-delta^2 / (2 sigma^2))`` with ``sigma = 6``, where -- a
  quirk of the reference kept here -- the "length" is the number of *bigrams* of the report;
* mean over n = 1..4, divided by the number of references, times 10.

The corpus score is the mean over reports. All reports are processed at once: n-gram counts,
document frequencies, tf-idf weights, norms and clipped dot products are NumPy passes over the
corpus (:mod:`cxrgen.metrics.ngrams`), not dicts per sentence. The document frequencies depend only on the
references, so two systems scored on the same references share them, and the bootstrap keeps
them fixed (those of the full reference set), as a resample of a test set normally does.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Mapping, Sequence

import numpy as np

from cxrgen.metrics.base import Metric, register_metric
from cxrgen.metrics.ngrams import MAX_N, CorpusNgrams, compact, unique_counts

SIGMA = 6.0  # pycocoevalcap Cider(sigma=6.0), the CIDEr-D setting of Vedantam et al.
SCALE = 10.0  # "multiply score by 10" in pycocoevalcap, to bring CIDEr-D near CIDEr's range


@register_metric("CIDEr")
class CiderD(Metric):
    """CIDEr-D (sigma 6, clipping, x10), equal to pycocoevalcap 1.2 ``Cider()`` to 1e-9.

    Statistics per report: the report's CIDEr-D (1 column); the corpus score is their mean.
    """

    score_names = ("CIDEr",)

    def statistics(self, hyps, refs) -> np.ndarray:
        return self.statistics_with_df(hyps, refs)

    def statistics_with_df(self, hyps, refs, df: Mapping[str, int] | None = None,
                           n_docs: int | None = None) -> np.ndarray:
        """:meth:`statistics` with document frequencies counted over a larger corpus: ``df``
        (n-gram joined by spaces -> reports whose references contain it, as
        :func:`document_frequencies` returns and sums over disjoint parts) and ``n_docs`` (its
        number of reports). A corpus scored in parts then gets the rows of the whole, which is
        how ``cxrgen batch score`` shards CIDEr-D (two passes: frequencies, then rows)."""
        n_reports = len(hyps)
        if n_reports == 0:
            return np.zeros((0, 1), dtype=np.float64)
        if (df is None) != (n_docs is None):
            raise ValueError("give both df and n_docs, or neither")
        nrefs = np.array([len(rs) for rs in refs], dtype=np.int64)
        first_ref = np.cumsum(nrefs) - nrefs  # index of each report's first reference
        ref_report = np.repeat(np.arange(n_reports), nrefs)
        corpus = CorpusNgrams(list(hyps) + [r for rs in refs for r in rs], keep_grams=df is not None)
        hyp_doc = corpus.doc_index[:n_reports]
        ref_doc = corpus.doc_index[n_reports:]
        # the reference's "length" is the number of bigrams (counts2vec adds term_freq when n == 1)
        bigrams = np.maximum(corpus.lengths - 1, 0).astype(np.float64)
        log_n = math.log(float(n_reports if n_docs is None else n_docs))
        single = bool(np.all(nrefs == 1))
        uses = np.bincount(ref_doc, minlength=corpus.n_distinct)  # reports referring to each doc

        total = np.zeros(n_reports)
        for k, order in enumerate(corpus.orders):
            if df is None:
                dense, n_codes = compact(order.codes)  # n-gram codes renumbered 0..n_codes-1
                # document frequency: the number of reports whose references contain the n-gram
                if single:
                    counts = np.bincount(dense, weights=uses[order.docs], minlength=n_codes)
                else:
                    row, entry = order.expand(ref_doc)
                    pairs, _ = unique_counts(ref_report[row] * n_codes + dense[entry])
                    counts = np.bincount(pairs % n_codes, minlength=n_codes)
                entry_df = counts[dense]
            else:
                entry_df = np.fromiter((df.get(" ".join(g), 0) for g in corpus.grams(k)),
                                       dtype=np.float64, count=len(order.keys))
            idf = log_n - np.log(np.maximum(1.0, entry_df))
            weight = order.counts * idf  # tf * idf of every (distinct document, n-gram)
            norm = np.sqrt(np.bincount(order.docs, weights=weight * weight, minlength=corpus.n_distinct))

            report, entry = order.expand(hyp_doc)  # every n-gram of every hypothesis
            codes, hyp_weight = order.codes[entry], weight[entry]
            norm_h = norm[hyp_doc]
            for j in range(int(nrefs.max())):
                has = nrefs > j
                ref_j = np.where(has, first_ref + j, 0)
                doc_j = ref_doc[ref_j]
                found_at, found = order.find(doc_j[report], codes)
                ref_weight = np.where(found & has[report], weight[found_at], 0.0)
                # clipped numerator: min(hyp, ref) * ref  (vrama91's clipping in pycocoevalcap)
                dot = np.bincount(
                    report, weights=np.minimum(hyp_weight, ref_weight) * ref_weight, minlength=n_reports
                )
                norm_r = norm[doc_j]
                both = (norm_h != 0) & (norm_r != 0)
                val = np.where(both, dot / np.where(both, norm_h * norm_r, 1.0), dot)
                delta = bigrams[:n_reports] - bigrams[n_reports + ref_j]
                penalty = np.exp(-(delta**2) / (2 * SIGMA**2))
                total += np.where(has, val * penalty, 0.0)
        return (total / MAX_N / nrefs * SCALE)[:, None]

    def aggregate(self, stats: np.ndarray) -> dict[str, float]:
        return {"CIDEr": float(np.mean(stats[:, 0])) if len(stats) else 0.0}

    def aggregate_totals(self, totals: np.ndarray, n: int) -> dict[str, np.ndarray]:
        return {"CIDEr": totals[:, 0] / n}

    def per_report(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        return {"CIDEr": stats[:, 0].copy()}


def document_frequencies(refs: Sequence[Sequence[Sequence[str]]]) -> Counter:
    """CIDEr-D's document frequencies of a set of reports: n-gram (1..4 tokens joined by
    spaces; tokens never hold one) -> how many reports' references contain it. Sums over
    disjoint sets of reports give the frequencies of their union (``Counter.update``)."""
    out: Counter = Counter()
    for rs in refs:
        seen = set()
        for ref in rs:
            for n in range(1, MAX_N + 1):
                seen.update(" ".join(ref[i:i + n]) for i in range(len(ref) - n + 1))
        out.update(seen)
    return out

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

import numpy as np

from cxrgen.metrics.base import Metric, register_metric
from cxrgen.metrics.ngrams import MAX_N, CorpusNgrams, compact, unique_counts, lookup

SIGMA = 6.0  # pycocoevalcap Cider(sigma=6.0), the CIDEr-D setting of Vedantam et al.
SCALE = 10.0  # "multiply score by 10" in pycocoevalcap, to bring CIDEr-D near CIDEr's range


@register_metric("CIDEr")
class CiderD(Metric):
    """CIDEr-D (sigma 6, clipping, x10), equal to pycocoevalcap 1.2 ``Cider()`` to 1e-9.

    Statistics per report: the report's CIDEr-D (1 column); the corpus score is their mean.
    """

    score_names = ("CIDEr",)

    def statistics(self, hyps, refs) -> np.ndarray:
        n_reports = len(hyps)
        if n_reports == 0:
            return np.zeros((0, 1), dtype=np.float64)
        nrefs = np.array([len(rs) for rs in refs], dtype=np.int64)
        flat_refs = [r for rs in refs for r in rs]
        ref_report = np.repeat(np.arange(n_reports), nrefs)
        first_ref = n_reports + np.concatenate([[0], np.cumsum(nrefs)[:-1]])  # doc id of ref 0
        corpus = CorpusNgrams(list(hyps) + flat_refs)
        n_docs = corpus.n_docs
        # the reference's "length" is the number of bigrams (counts2vec adds term_freq when n == 1)
        bigrams = np.maximum(corpus.lengths - 1, 0).astype(np.float64)
        log_n = math.log(float(n_reports))

        total = np.zeros(n_reports)
        for counts in corpus.orders:
            docs, codes, modulus = counts.docs, counts.codes, counts.modulus
            dense, n_codes = compact(codes)  # n-gram codes renumbered 0..n_codes-1
            is_ref = docs >= n_reports
            # document frequency: number of reports whose references contain the n-gram
            report_codes, _ = unique_counts(ref_report[docs[is_ref] - n_reports] * n_codes + dense[is_ref])
            df = np.bincount(report_codes % n_codes, minlength=n_codes)
            idf = log_n - np.log(np.maximum(1.0, df))
            weight = counts.counts * idf[dense]  # tf * idf of every (document, n-gram)
            norm = np.sqrt(np.bincount(docs, weights=weight * weight, minlength=n_docs))

            hyp = ~is_ref
            hyp_report, hyp_codes, hyp_weight = docs[hyp], codes[hyp], weight[hyp]
            for j in range(int(nrefs.max())):
                has_ref = nrefs > j
                ref_doc = np.where(has_ref, first_ref + j, 0)
                ref_weight = lookup(ref_doc[hyp_report] * modulus + hyp_codes, counts.keys, weight)
                ref_weight = np.where(has_ref[hyp_report], ref_weight, 0.0)
                # clipped numerator: min(hyp, ref) * ref  (vrama91's clipping in pycocoevalcap)
                dot = np.bincount(
                    hyp_report, weights=np.minimum(hyp_weight, ref_weight) * ref_weight,
                    minlength=n_reports,
                )
                norm_h, norm_r = norm[:n_reports], norm[ref_doc]
                both = (norm_h != 0) & (norm_r != 0)
                val = np.where(both, dot / np.where(both, norm_h * norm_r, 1.0), dot)
                delta = bigrams[:n_reports] - bigrams[ref_doc]
                penalty = np.exp(-(delta**2) / (2 * SIGMA**2))
                total += np.where(has_ref, val * penalty, 0.0)
        return (total / MAX_N / nrefs * SCALE)[:, None]

    def aggregate(self, stats: np.ndarray) -> dict[str, float]:
        return {"CIDEr": float(np.mean(stats[:, 0])) if len(stats) else 0.0}

    def per_report(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        return {"CIDEr": stats[:, 0].copy()}

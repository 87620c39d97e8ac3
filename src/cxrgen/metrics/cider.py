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

The corpus score is the mean over reports. The document frequencies depend only on the
references, so two systems scored on the same references share them, and the bootstrap keeps
them fixed (those of the full reference set), as a resample of a test set normally does.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from cxrgen.metrics.base import Metric, register_metric
from cxrgen.metrics.ngrams import MAX_N, ngram_counts

SIGMA = 6.0  # pycocoevalcap Cider(sigma=6.0), the CIDEr-D setting of Vedantam et al.
SCALE = 10.0  # "multiply score by 10" in pycocoevalcap, to bring CIDEr-D near CIDEr's range


def _vector(counts: list[Counter], idf: dict, default_idf: float):
    """tf-idf vectors per order, their norms, and the bigram count (the reference's length)."""
    vec = []
    norms = []
    for counter in counts:
        v = {g: tf * idf.get(g, default_idf) for g, tf in counter.items()}
        vec.append(v)
        norms.append(math.sqrt(sum(x * x for x in v.values())))
    length = sum(counts[1].values())
    return vec, norms, length


@register_metric("CIDEr")
class CiderD(Metric):
    """CIDEr-D (sigma 6, clipping, x10), equal to pycocoevalcap 1.2 ``Cider()`` to 1e-9.

    Statistics per report: the report's CIDEr-D (1 column); the corpus score is their mean.
    """

    score_names = ("CIDEr",)

    def statistics(self, hyps, refs) -> np.ndarray:
        ref_counts = [[ngram_counts(r) for r in rs] for rs in refs]
        df: Counter = Counter()
        for rcs in ref_counts:
            if len(rcs) == 1:
                for c in rcs[0]:
                    df.update(c.keys())
            else:
                df.update({g for rc in rcs for c in rc for g in c})
        log_n = math.log(float(len(refs))) if len(refs) else 0.0
        idf = {g: log_n - math.log(max(1.0, d)) for g, d in df.items()}

        rows = np.zeros((len(hyps), 1), dtype=np.float64)
        two_sigma2 = 2 * SIGMA**2
        for i, (hyp, rcs) in enumerate(zip(hyps, ref_counts)):
            vec, norm, length = _vector(ngram_counts(hyp), idf, log_n)
            total = [0.0] * MAX_N
            for rc in rcs:
                vec_r, norm_r, length_r = _vector(rc, idf, log_n)
                penalty = math.exp(-(float(length - length_r) ** 2) / two_sigma2)
                for n in range(MAX_N):
                    vr = vec_r[n]
                    val = 0.0
                    for g, h in vec[n].items():
                        r = vr.get(g)
                        if r is not None:
                            val += min(h, r) * r
                    if norm[n] != 0 and norm_r[n] != 0:
                        val /= norm[n] * norm_r[n]
                    total[n] += val * penalty
            rows[i, 0] = sum(total) / MAX_N / len(rcs) * SCALE
        return rows

    def aggregate(self, stats: np.ndarray) -> dict[str, float]:
        return {"CIDEr": float(np.mean(stats[:, 0])) if len(stats) else 0.0}

    def per_report(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        return {"CIDEr": stats[:, 0].copy()}

"""Bootstrap confidence intervals and the paired approximate-randomisation test.

Both work on the per-report sufficient statistics of a :class:`~cxrgen.metrics.base.Metric`
(rows of shape ``(N, k)``): a resampled corpus is ``rows[idx]`` and its score is
``metric.aggregate(rows[idx])``, so nothing is re-tokenised or re-matched, and corpus-level
metrics (BLEU, METEOR) are resampled as corpus-level metrics, not as means of sentence scores.

* Bootstrap: percentile interval over ``n_resamples`` resamples of the reports with replacement
  (Efron & Tibshirani, 1993; Koehn, EMNLP 2004, "Statistical significance tests for machine
  translation evaluation").
* Approximate randomisation: for each trial, swap the two systems' outputs of each report with
  probability 1/2 and count trials whose absolute score difference reaches the observed one;
  ``p = (count + 1) / (trials + 1)`` (Noreen, 1989; Riezler & Maxwell, 2005, "On some pitfalls
  in automatic evaluation and significance testing for MT"), as sacrebleu's ``--paired-ar``.

Both are seeded (``numpy.random.default_rng(seed)``) and the seed goes in the signature. For a
metric that implements ``Metric.aggregate_totals`` (its score depends on the column sums of the
rows only) thousands of resamples are scored with one matrix product; the random draws are the
same either way, so both paths give the same interval and p-value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxrgen.errors import ConfigError
from cxrgen.metrics.base import Metric

DEFAULT_SEED = 12345
DEFAULT_TRIALS = 10_000
# A trial "reaches" the observed difference up to float round-off of differently ordered sums.
_EPS = 1e-12
_CHUNK = 500  # resamples or trials scored per matrix product (bounds memory at 500 x N)


def _weighted_sums(weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``weights @ rows`` summed in one fixed order, whatever the number of BLAS threads (a BLAS
    product splits its sums by thread count and load); einsum without ``optimize`` never calls BLAS.
    (The CIDEr bound that moved in 1 of 6 runs of ``cxrgen score --bootstrap 200 --seed 7`` came from
    n-gram codes in hash order, fixed in :class:`cxrgen.metrics.ngrams.CorpusNgrams`.)"""
    return np.einsum("tn,nk->tk", weights, rows, optimize=False)


def bootstrap_ci(
    metric: Metric,
    rows: np.ndarray,
    n_resamples: int = 1000,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap interval of each of the metric's scores: ``{name: (low, high)}``."""
    if n_resamples < 1:
        raise ConfigError(f"--bootstrap must be a positive number of resamples, got {n_resamples}")
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must be in (0, 1), got {confidence}")
    n = len(rows)
    if n == 0:
        raise ConfigError("cannot bootstrap an empty corpus")
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, n, size=n) for _ in range(n_resamples)]
    fast = metric.aggregate_totals(rows[:1].sum(axis=0)[None, :], 1)
    samples: dict[str, np.ndarray]
    if fast is not None:
        # column sums of each resample = (resample counts per report) @ rows, in chunks
        parts: dict[str, list[np.ndarray]] = {name: [] for name in metric.score_names}
        for begin in range(0, n_resamples, _CHUNK):
            chunk = draws[begin:begin + _CHUNK]
            weights = np.stack([np.bincount(idx, minlength=n) for idx in chunk]).astype(np.float64)
            for name, values in metric.aggregate_totals(_weighted_sums(weights, rows), n).items():
                parts[name].append(values)
        samples = {name: np.concatenate(v) for name, v in parts.items()}
    else:
        lists: dict[str, list[float]] = {name: [] for name in metric.score_names}
        for idx in draws:
            for name, value in metric.aggregate(rows[idx]).items():
                lists[name].append(value)
        samples = {name: np.asarray(v) for name, v in lists.items()}
    alpha = (1 - confidence) / 2
    return {
        name: (float(np.quantile(v, alpha)), float(np.quantile(v, 1 - alpha)))
        for name, v in samples.items()
    }


@dataclass(frozen=True)
class PairedResult:
    """System A minus system B on one score, and the two-sided p-value of that difference."""

    name: str
    a: float
    b: float
    delta: float
    p_value: float
    trials: int
    seed: int


def paired_randomization(
    metric: Metric,
    rows_a: np.ndarray,
    rows_b: np.ndarray,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
) -> dict[str, PairedResult]:
    """Paired approximate randomisation test of A against B, per score name."""
    if rows_a.shape != rows_b.shape:
        raise ConfigError(
            f"paired test needs the same reports for both systems: {rows_a.shape} vs {rows_b.shape}"
        )
    if trials < 1:
        raise ConfigError(f"trials must be positive, got {trials}")
    score_a = metric.aggregate(rows_a)
    score_b = metric.aggregate(rows_b)
    observed = {name: abs(score_a[name] - score_b[name]) for name in metric.score_names}
    reached = dict.fromkeys(metric.score_names, 0)
    rng = np.random.default_rng(seed)
    n = len(rows_a)
    swaps = [rng.random(n) < 0.5 for _ in range(trials)]
    sum_a, sum_b = rows_a.sum(axis=0), rows_b.sum(axis=0)
    if metric.aggregate_totals(sum_a[None, :], n) is not None:
        # swapping report i moves (b_i - a_i) from B's column sums to A's
        diff = rows_b - rows_a
        for begin in range(0, trials, _CHUNK):
            moved = _weighted_sums(np.stack(swaps[begin:begin + _CHUNK]).astype(np.float64), diff)  # (T, k)
            sa = metric.aggregate_totals(sum_a + moved, n)
            sb = metric.aggregate_totals(sum_b - moved, n)
            for name in metric.score_names:
                reached[name] += int(np.sum(np.abs(sa[name] - sb[name]) >= observed[name] - _EPS))
    else:
        for swap in swaps:
            swap = swap[:, None]
            sa = metric.aggregate(np.where(swap, rows_b, rows_a))
            sb = metric.aggregate(np.where(swap, rows_a, rows_b))
            for name in metric.score_names:
                if abs(sa[name] - sb[name]) >= observed[name] - _EPS:
                    reached[name] += 1
    return {
        name: PairedResult(
            name=name,
            a=score_a[name],
            b=score_b[name],
            delta=score_a[name] - score_b[name],
            p_value=(reached[name] + 1) / (trials + 1),
            trials=trials,
            seed=seed,
        )
        for name in metric.score_names
    }

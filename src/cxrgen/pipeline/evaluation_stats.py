"""Confidence intervals of an :class:`~cxrgen.pipeline.evaluation.Evaluation` and the paired test of two.

The sampling is :mod:`cxrgen.metrics.stats`' (percentile bootstrap, paired approximate
randomisation) on the per-report statistics: the NLG metrics' rows from scoring the saved
predictions again, clinical efficacy's (tp, fp, fn) rows from the labels saved with each
prediction (the same labels the evaluation counted, so the point values are equal; tested).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cxrgen.metrics.clinical import CERows, ce_statistics
from cxrgen.metrics.stats import DEFAULT_SEED, bootstrap_ci, paired_randomization

#: resamples and trials of the demo page (sacrebleu's defaults are 1,000 and 10,000; the CE rows take the
#: slow path, ~1 ms a trial on 400 reports, so the test is held to 2,000)
N_BOOTSTRAP, N_TRIALS = 1000, 2000


@dataclass
class Intervals:
    """95 % bootstrap interval per score of one system, and the rows behind them (for paired tests)."""

    ci: dict[str, tuple[float, float]]
    rows: dict[str, tuple[object, np.ndarray]] = field(default_factory=dict)  # key -> (metric, rows)


def _ce_rows(evaluation, uncertain: str) -> np.ndarray:
    preds = evaluation.predictions
    columns = list(preds[0]["reference_labels"]) if preds else []
    return ce_statistics([p["generated_labels"] for p in preds], [p["reference_labels"] for p in preds],
                         columns, uncertain)


def intervals(evaluation, n_resamples: int = N_BOOTSTRAP, seed: int = DEFAULT_SEED) -> Intervals:
    """Bootstrap every NLG and CE score of ``evaluation`` (its predictions must be there)."""
    from cxrgen.pipeline.evaluation import CE_UNCERTAIN
    from cxrgen.metrics import score_corpus

    preds = evaluation.predictions
    lang = evaluation.meta.get("lang", "en")
    nlg = score_corpus([p["generated"] for p in preds], [p["reference"] for p in preds], lang=lang,
                       ids=[p["study_id"] for p in preds])
    out = Intervals({})
    for key, st in nlg.stats.items():
        out.rows[key] = (st.metric, st.rows)
        out.ci.update(bootstrap_ci(st.metric, st.rows, n_resamples, seed))
    ce = CERows()
    rows = _ce_rows(evaluation, CE_UNCERTAIN)
    out.rows["CE"] = (ce, rows)
    out.ci.update(bootstrap_ci(ce, rows, n_resamples, seed))
    return out


def paired_tests(a: Intervals, b: Intervals, trials: int = N_TRIALS, seed: int = DEFAULT_SEED) -> dict:
    """``{score: PairedResult}`` of system A against B on the same studies, every shared score."""
    out = {}
    for key, (metric, rows_a) in a.rows.items():
        if key in b.rows:
            out.update(paired_randomization(metric, rows_a, b.rows[key][1], trials=trials, seed=seed))
    return out

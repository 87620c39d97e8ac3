"""The registered ``METEOR`` metric: METEOR 1.5 through :class:`cxrgen.metrics.base.Metric`."""

from __future__ import annotations

import numpy as np

from cxrgen.metrics.base import Metric, register_metric
from cxrgen.metrics.meteor.scorer import COLUMNS, MeteorScorer, aggregate_rows, compute_scores


@register_metric("METEOR")
class Meteor(Metric):
    """METEOR 1.5 (Denkowski & Lavie, WMT 2014) equal to pycocoevalcap 1.2's ``Meteor()``,
    i.e. ``java -jar -Xmx2G meteor-1.5.jar - - -stdio -l en -norm``, within 0.001 at corpus
    level and 0.005 per report (tests/metrics/test_meteor_parity.py), with no Java.

    The report's tokens are joined with spaces and given to METEOR's own ``-norm`` normaliser,
    as pycocoevalcap passes the tokenised strings to the jar. Statistics per report: the 24
    columns of :data:`cxrgen.metrics.meteor.scorer.COLUMNS` (lengths, function words, matches per
    stage and word class, chunks); the corpus score is computed from their sum, as METEOR's
    ``EVAL`` does, not as a mean of report scores.

    ``lang="fr"``: METEOR 1.5's French parameters with the exact and stem stages only (Snowball
    French stems; METEOR's French paraphrase table is not distributed with pycocoevalcap), signed
    ``impl:meteor-1.5-fr-exact-stem``.

    Resources: the index built from pycocoevalcap's copy of METEOR 1.5 (see
    :mod:`cxrgen.metrics.meteor.resources`); they are loaded on first use, so constructing the
    metric never fails, and a missing index raises a ConfigError that says how to get it.
    """

    score_names = ("METEOR",)
    impl = "meteor-1.5"
    languages = ("en", "fr")
    columns = tuple(COLUMNS)

    def __init__(self, lang: str = "en"):
        super().__init__(lang)
        if lang == "fr":
            self.impl = "meteor-1.5-fr-exact-stem"
        self._scorer: MeteorScorer | None = None

    @property
    def scorer(self) -> MeteorScorer:
        if self._scorer is None:
            self._scorer = MeteorScorer(self.lang)
        return self._scorer

    def statistics(self, hyps, refs) -> np.ndarray:
        # MeteorScorer.rows: each distinct pair aligned once; from 500 pairs, with numba, in the
        # compiled pair loop (else per pair, large corpora on two processes)
        return self.scorer.rows([" ".join(h) for h in hyps], [[" ".join(r) for r in rs] for rs in refs])

    def aggregate(self, stats: np.ndarray) -> dict[str, float]:
        if len(stats) == 0:
            return {"METEOR": 0.0}
        return {"METEOR": float(compute_scores(aggregate_rows(stats), self.scorer.params)[0])}

    def per_report(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        return {"METEOR": compute_scores(stats, self.scorer.params) if len(stats) else np.zeros(0)}

"""The registered ``METEOR`` metric: METEOR 1.5 through :class:`cxrgen.metrics.base.Metric`."""

from __future__ import annotations

import numpy as np

from cxrgen.errors import ConfigError
from cxrgen.metrics.base import Metric, register_metric
from cxrgen.text.languages import LANGUAGES
from cxrgen.metrics.meteor_variants import DEFAULT_VARIANT, METEOR_VARIANTS
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

    Variants (``variant=``, ``cxrgen score --meteor``; :mod:`cxrgen.metrics.meteor_variants`):

    * ``coco``: what pycocoevalcap computes on *any* text, ``-l en -norm`` on the given tokens:
      the English parameters, stemmer, synonyms and paraphrases; on French or Chinese tokens
      exact matches carry the score. This is the METEOR of the field's French and Chinese
      tables (CN-CXR, CASIA-CXR benchmarks), signed ``impl:meteor-1.5-coco`` with the text's
      language beside it (``lang:zh``). The default for English (signed ``impl:meteor-1.5``).
    * ``fr-exact-stem``: METEOR 1.5's French parameters with the exact and stem stages only
      (Snowball French stems; METEOR's French paraphrase table is not distributed with
      pycocoevalcap), signed ``impl:meteor-1.5-fr-exact-stem``; French only, its default.

    Chinese has no default (no METEOR of its own): ``variant="coco"`` is asked for by name.

    Resources: the index built from pycocoevalcap's copy of METEOR 1.5 (see
    :mod:`cxrgen.metrics.meteor.resources`); they are loaded on first use, so constructing the
    metric never fails, and a missing index raises a ConfigError that says how to get it.
    """

    score_names = ("METEOR",)
    impl = "meteor-1.5"
    languages = ("en", "fr")  # the languages with a default variant
    columns = tuple(COLUMNS)

    def __init__(self, lang: str = "en", variant: str | None = None):
        if variant is not None and variant not in METEOR_VARIANTS:
            raise ConfigError(f"unknown METEOR variant {variant!r}; valid choices: {', '.join(METEOR_VARIANTS)}")
        if variant is None and lang in LANGUAGES and lang not in DEFAULT_VARIANT:
            raise ConfigError(f"METEOR has no default for language {lang!r}; ask for variant 'coco' "
                              f"(--meteor coco: pycocoevalcap's -l en -norm on the given tokens, as the "
                              f"published {lang} tables use)")
        if variant is not None and lang not in METEOR_VARIANTS[variant][0]:
            raise ConfigError(f"METEOR variant {variant!r} is for {', '.join(METEOR_VARIANTS[variant][0])} "
                              f"text, not {lang!r}; use --meteor coco")
        self.variant = variant or DEFAULT_VARIANT.get(lang, "coco")
        # the variant, not the class, decides the languages: coco scores any text
        self.languages = METEOR_VARIANTS[self.variant][0]
        super().__init__(lang)
        self.impl = METEOR_VARIANTS[self.variant][1] if variant is not None or lang != "en" else "meteor-1.5"
        self._scorer: MeteorScorer | None = None

    @classmethod
    def supports(cls, lang: str, variant: str | None = None) -> bool:
        if variant is None:
            return lang in DEFAULT_VARIANT
        return variant in METEOR_VARIANTS and lang in METEOR_VARIANTS[variant][0]

    @property
    def scorer(self) -> MeteorScorer:
        if self._scorer is None:
            # coco: METEOR's English parameters and resources whatever the text's language
            self._scorer = MeteorScorer(METEOR_VARIANTS[self.variant][2])
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

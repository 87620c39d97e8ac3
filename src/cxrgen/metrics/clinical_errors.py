"""Clinical error analysis as a scored, signed result (GREEN's categories, from entity graphs).

``ClinicalErrors("en").analyze(hyps, refs, ids)`` returns an :class:`ErrorAnalysis`: the errors
of every report (:class:`cxrgen.labeling.errors.PairErrors`, one JSONL line each), the corpus
summary (counts per category, per 100 reports) and the GREEN-style score

    GREEN-style = mean over reports of  matched / (matched + clinically significant errors)

(Ostmeier et al. 2024, eq. 1; a report where neither side states anything scores 1; every
error found counts as significant, see :func:`cxrgen.labeling.errors.green_score`), signed
``GREEN-rules|tok:graph-en|norm:none|lang:en|nrefs:1|impl:cxrgen-errors|...|significant:all``.
The categories and how they are read from the two graphs: :mod:`cxrgen.labeling.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from cxrgen.labeling.errors import CATEGORIES, PairErrors, get_error_analyzer, summarize
from cxrgen.metrics.base import Score, Signature
from cxrgen.text.languages import LANGUAGES
from cxrgen.errors import ConfigError

SCORE_NAME = "GREEN-rules"
FORMULA = "mean(matched / (matched + significant errors)); significant = all six categories"


@dataclass
class ErrorAnalysis:
    """The errors of a corpus: per report, summed, and the signed GREEN-style score."""

    pairs: list[PairErrors]
    summary: dict
    score: Score

    def as_dict(self) -> dict:
        """The corpus summary with the score, its formula and its signature (``--format json``)."""
        return {**self.summary, "score": {"name": self.score.name, "value": self.score.value,
                                          "formula": FORMULA, "signature": str(self.score.signature)}}

    def per_report(self) -> list[dict]:
        return [p.as_dict() for p in self.pairs]


class ClinicalErrors:
    """Error analysis of hypotheses against references in one language (en, fr, zh)."""

    def __init__(self, lang: str = "en"):
        if lang not in LANGUAGES:
            raise ConfigError(f"unknown language {lang!r}; valid choices: {', '.join(LANGUAGES)}")
        self.lang = lang
        self.analyzer = get_error_analyzer(lang)

    def signature(self) -> Signature:
        return Signature(metric=SCORE_NAME, tok=f"graph-{self.lang}", norm="none", lang=self.lang, nrefs=1,
                         impl="cxrgen-errors", extra=(("categories", len(CATEGORIES)), ("significant", "all")))

    def analyze(self, hyps: Sequence[str], refs: Sequence[str], ids: Sequence[str] | None = None) -> ErrorAnalysis:
        pairs = self.analyzer.analyze_many(hyps, refs, ids)
        summary = summarize(pairs)
        return ErrorAnalysis(pairs, summary, Score(SCORE_NAME, summary["green_style"], self.signature(), n=len(pairs)))


def analyze_report_errors(hyps: Sequence[str], refs: Sequence[str], lang: str = "en",
                          ids: Sequence[str] | None = None) -> ErrorAnalysis:
    """Errors of each hypothesis against its reference, summed and scored (module docstring)."""
    return ClinicalErrors(lang).analyze(hyps, refs, ids)

"""Report-generation metrics with the field's exact numbers: BLEU-1..4, METEOR, ROUGE-L, CIDEr-D.

``score_corpus(hyps, refs, lang="en", metrics=None, tokenized=False)`` scores a corpus; each
metric is a class registered in :data:`METRICS` (see :mod:`cxrgen.metrics.base` for how to add
one). Importing this package registers the built-in metrics and, when present, the METEOR
package ``cxrgen.metrics.meteor``.
"""

from __future__ import annotations

import importlib
import importlib.util

from cxrgen.metrics import bleu, cider, rouge  # noqa: F401  (registration)
from cxrgen.metrics.base import METRICS, Metric, ReportStats, Score, Signature, register_metric
from cxrgen.metrics.scoring import (
    Comparison,
    CorpusResult,
    compare_systems,
    default_metric_names,
    score_corpus,
)
from cxrgen.metrics.stats import bootstrap_ci, paired_randomization

# METEOR lives in its own package, written separately; it registers itself when imported.
# Presence is checked (not an import guarded by try/except), so a broken METEOR is an error.
if importlib.util.find_spec("cxrgen.metrics.meteor") is not None:
    importlib.import_module("cxrgen.metrics.meteor")

__all__ = [
    "METRICS",
    "Metric",
    "ReportStats",
    "Score",
    "Signature",
    "register_metric",
    "score_corpus",
    "compare_systems",
    "default_metric_names",
    "CorpusResult",
    "Comparison",
    "bootstrap_ci",
    "paired_randomization",
]

"""What the METEOR parity tests share: cxrgen's scores of one pairing against Java's."""

from __future__ import annotations

import numpy as np
import pytest


def assert_equals_java(metric, name: str, hyps: list[str], refs: list[str], java: tuple[float, list[float]],
                       corpus_tol: float, report_tol: float) -> None:
    """Corpus score within ``corpus_tol`` and every report within ``report_tol`` of Java's
    ``(corpus, per-report)``; the worst report is shown when it is not."""
    rows = metric.statistics([h.split() for h in hyps], [[r.split()] for r in refs])
    corpus = metric.aggregate(rows)["METEOR"]
    per = metric.per_report(rows)["METEOR"]
    java_corpus, java_per = java
    assert corpus == pytest.approx(java_corpus, abs=corpus_tol)
    diff = np.abs(per - np.asarray(java_per))
    worst = int(np.argmax(diff))
    assert diff[worst] <= report_tol, (
        f"{name}: report {worst} scores {per[worst]:.6f}, Java {java_per[worst]:.6f}\n"
        f"hyp: {hyps[worst]!r}\nref: {refs[worst]!r}"
    )

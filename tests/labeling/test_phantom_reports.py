"""The labelers read the phantom generator's reports (written from exact labels) back to those
labels, in all three languages: the demo's clinical micro-F1 rests on this."""

from __future__ import annotations

import numpy as np
import pytest

from cxrgen.data.phantom.findings import labels_of, sample_findings
from cxrgen.data.phantom.labels import (
    PHANTOM_TO_CHESTXRAY14,
    PHANTOM_TO_CHEXPERT,
    to_chestxray14,
    to_chexpert,
)
from cxrgen.data.phantom.reports import write_report
from cxrgen.labeling import get_labeler
from cxrgen.metrics.clinical import ClinicalEfficacy

N = 200


def _studies(lang, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(N):
        findings = sample_findings(rng)
        report = write_report(findings, lang, rng)
        sep = "" if lang == "zh" else "\n"
        yield labels_of(findings), report["findings"] + sep + report["impression"]


@pytest.mark.parametrize("lang", ["en", "fr", "zh"])
def test_phantom_reports_read_back_exactly(lang):
    labeler = get_labeler(lang)
    cx_cols = sorted(set(PHANTOM_TO_CHEXPERT.values()))
    c14_cols = sorted({c for c in PHANTOM_TO_CHESTXRAY14.values() if c})
    wrong = []
    for labels, text in _studies(lang):
        got = labeler.label(text, "chexpert")
        gold = to_chexpert(labels)
        wrong += [(c, text) for c in cx_cols if (got[c] == 1) != (gold[c] == 1)]
        got14 = labeler.label(text, "chestxray14")
        gold14 = to_chestxray14(labels)
        wrong += [(c, text) for c in c14_cols if (got14[c] == 1) != (gold14[c] == 1)]
    assert not wrong, f"{len(wrong)} mislabelled cells, first: {wrong[0]}"


@pytest.mark.parametrize("lang", ["en", "fr", "zh"])
def test_phantom_reports_against_themselves_score_one(lang):
    texts = [t for _, t in _studies(lang, seed=1)][:50]
    scores = ClinicalEfficacy(lang, "chexpert").score(texts, texts)
    assert all(s.value == 1.0 for s in scores)

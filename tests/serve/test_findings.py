"""Findings highlights in the three languages: spans point at the text, statuses are right."""

from __future__ import annotations

import pytest

from cxrgen.serve.findings import highlight_spans


@pytest.mark.parametrize("lang, text, expected", [
    ("en", "No pleural effusion. Mild cardiomegaly.",
     [("effusion", "negative"), ("cardiomegaly", "positive")]),
    ("fr", "Pas d'épanchement pleural. Cardiomégalie modérée.",
     [("épanchement pleural", "negative"), ("Cardiomégalie", "positive")]),
    ("zh", "心影增大，双肺未见实变。", [("心影增大", "positive"), ("实变", "negative")]),
])
def test_highlight_spans_per_language(lang, text, expected):
    spans, note = highlight_spans(text, lang)
    assert note is None
    assert [(s["text"], s["status"]) for s in spans] == expected
    for s in spans:
        assert text[s["start"]:s["end"]] == s["text"]


def test_unknown_language_gives_a_reason_not_an_error():
    spans, note = highlight_spans("Keine Ergüsse.", "de")
    assert spans == [] and "no findings labeler for language 'de'" in note

"""Findings of a report text as highlight spans for the page, from :mod:`cxrgen.labeling`.

Every report version (the machine draft and each edit) is labelled again, so the colours always
match the text on screen: ``[{"start", "end", "text", "concept", "status"}]`` with status
``positive`` / ``negative`` / ``uncertain`` (the labeler's 1 / 0 / -1).
"""

from __future__ import annotations

from typing import Any

from cxrgen.errors import ConfigError

STATUS_NAMES = {1: "positive", 0: "negative", -1: "uncertain"}


def highlight_spans(text: str, language: str) -> tuple[list[dict[str, Any]], str | None]:
    """(spans, note); ``note`` says why there are no spans when the language has no labeler."""
    from cxrgen.labeling import get_labeler

    try:
        labeler = get_labeler(language)
    except (ConfigError, ImportError) as exc:  # a language whose lexicon is not installed yet
        return [], f"no findings labeler for language {language!r}: {exc}"
    spans, seen = [], set()
    for m in labeler.mentions(text):
        # one highlight per stretch of text: a mention matched by two concepts (a finding that
        # is also an "other" abnormality) is shown once, with the first, most specific concept
        if m.status not in STATUS_NAMES or (m.start, m.end) in seen:
            continue
        seen.add((m.start, m.end))
        spans.append({"start": m.start, "end": m.end, "text": text[m.start:m.end],
                      "concept": m.concept, "status": STATUS_NAMES[m.status]})
    return spans, None

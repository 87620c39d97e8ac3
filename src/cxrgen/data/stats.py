"""Dataset statistics: per-split counts and a keyword table (as Table 1 of the CN-CXR paper).

``keyword_table(studies, lang, extractor)`` counts, per split, the studies whose report
mentions each anatomy and lesion keyword. Mentions are counted whether affirmed or negated
("no effusion" counts for effusion), as a corpus description rather than a label count. The
extractor is any callable ``extractor(text, lang) -> iterable of (category, keyword)``; ``cxrgen
data stats`` passes the labeling package's entity graph, ``cxrgen.labeling.graph.
keyword_extractor(lang)`` (anatomy nodes and lesion observations of the report, for zh the 48
CN-CXR keywords). The data layer does not import the labeling layer: the caller chooses.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Callable, Iterable, Sequence

from cxrgen.data.study import SPLITS, Study
from cxrgen.errors import ConfigError
from cxrgen.text.languages import LANGUAGES

Extractor = Callable[[str, str], Iterable[tuple[str, str]]]
CATEGORIES = ("anatomy", "lesion")

def keyword_table(studies: Sequence[Study], lang: str, extractor: Extractor,
                  section: str = "findings+impression") -> dict[tuple[str, str], dict[str, int]]:
    """(category, keyword) -> {split: number of studies mentioning it}; split ``all`` included.
    Studies without a split count under ``unassigned``. Keywords of an extractor that lists its
    vocabulary (``extractor.keywords()``, as the graph extractor does) are listed with
    zeros when never found, so tables of two datasets line up."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}; valid: {', '.join(LANGUAGES)}")
    ext = extractor
    table: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if callable(getattr(ext, "keywords", None)):
        for key in ext.keywords():
            table[key]["all"] += 0
    for s in studies:
        found = set(ext(s.report(section), lang))
        for key in found:
            table[key][s.split or "unassigned"] += 1
            table[key]["all"] += 1
    return {k: dict(v) for k, v in table.items()}


def split_stats(studies: Sequence[Study], tokenizer: Callable[[str], list[str]],
                section: str = "findings") -> dict[str, dict[str, float]]:
    """Per split (and ``all``): studies, images, patients, report length in tokens (mean, median)."""
    groups: dict[str, list[Study]] = {"all": list(studies)}
    for name in (*SPLITS, None):
        group = [s for s in studies if s.split == name]
        if group:
            groups[name or "unassigned"] = group
    out = {}
    for name, group in groups.items():
        lengths = [len(tokenizer(s.report(section))) for s in group]
        out[name] = {
            "studies": len(group), "images": sum(len(s.images) for s in group),
            "patients": len({s.patient_id for s in group}),
            "tokens_mean": statistics.fmean(lengths) if lengths else 0.0,
            "tokens_median": float(statistics.median(lengths)) if lengths else 0.0,
        }
    return out


def label_table(studies: Sequence[Study]) -> dict[str, dict[str, int]]:
    """label -> {split: studies labelled positive (1)}; ``all`` included; uncertain (-1) and
    negative (0) are not counted. Empty when no study carries labels."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in studies:
        for name, value in (s.labels or {}).items():
            table[name]["all"] += value == 1
            if value == 1:
                table[name][s.split or "unassigned"] += 1
    return {k: dict(v) for k, v in sorted(table.items())}

"""Dataset statistics: per-split counts and a keyword table (as Table 1 of the CN-CXR paper).

``keyword_table(studies, lang, extractor=None)`` counts, per split, the studies whose report
mentions each anatomy and lesion keyword. Mentions are counted whether affirmed or negated
("no effusion" counts for effusion), as a corpus description rather than a label count. The
default extractor is the labeling package's entity graph, ``cxrgen.labeling.graph.
keyword_extractor(lang)`` (issue 4: the data stats use the graph): anatomy nodes and lesion
observations of the report, for zh the 48 CN-CXR keywords. Any callable
``extractor(text, lang) -> iterable of (category, keyword)`` plugs in instead; the small
lexicon :class:`LexiconExtractor` (:data:`LEXICONS`) stays available as one.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from typing import Callable, Iterable, Sequence

from cxrgen.data.study import LANGUAGES, SPLITS, Study
from cxrgen.errors import ConfigError

Extractor = Callable[[str, str], Iterable[tuple[str, str]]]
CATEGORIES = ("anatomy", "lesion")

# keyword -> surface forms (regular expressions, matched case-insensitively; en/fr on word
# boundaries, zh as substrings). Kept small on purpose: a corpus overview, not a labeler.
LEXICONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "anatomy": {
            "lung": (r"lungs?", r"pulmonary"), "heart": (r"heart", r"cardiac"),
            "mediastinum": (r"mediastin\w*",), "pleura": (r"pleura\w*",),
            "diaphragm": (r"diaphragm\w*", r"hemidiaphragm\w*"), "rib": (r"ribs?",),
            "spine": (r"spine", r"thoracic vertebra\w*", r"spinal"), "hilum": (r"hil(?:um|a|ar)",),
            "trachea": (r"trache\w*",), "aorta": (r"aort\w*",),
            "costophrenic angle": (r"costophrenic",),
        },
        "lesion": {
            "effusion": (r"effusions?",), "pneumothorax": (r"pneumothora\w*",),
            "consolidation": (r"consolidat\w*",), "atelectasis": (r"atelecta\w*",),
            "opacity": (r"opacit\w*",), "nodule": (r"nodul\w*",), "mass": (r"mass(?:es)?",),
            "edema": (r"o?edema",), "cardiomegaly": (r"cardiomegaly",), "pneumonia": (r"pneumonia",),
            "emphysema": (r"emphysema\w*",), "fracture": (r"fractur\w*",), "granuloma": (r"granuloma\w*",),
        },
    },
    "fr": {
        "anatomy": {
            "poumon": (r"poumons?", r"pulmonaires?"), "cœur": (r"c(?:œ|oe)ur", r"cardiaques?"),
            "médiastin": (r"m[ée]diastin\w*",), "plèvre": (r"pl[èe]vre", r"pleura(?:l|le|ux|les)"),
            "coupole diaphragmatique": (r"coupoles?", r"diaphragm\w*"), "gril costal": (r"costa(?:l|le|ux)", r"c[ôo]tes?"),
            "hile": (r"hiles?", r"hilaires?"), "trachée": (r"trach[ée]e",), "aorte": (r"aortes?", r"aortiques?"),
            "cul-de-sac": (r"culs?[- ]de[- ]sacs?",),
        },
        "lesion": {
            "épanchement": (r"[ée]panchements?",), "pneumothorax": (r"pneumothorax",),
            "condensation": (r"condensations?", r"foyers?"), "atélectasie": (r"at[ée]lectasies?",),
            "opacité": (r"opacit[ée]s?",), "nodule": (r"nodules?", r"micronodul\w*"), "masse": (r"masses?",),
            "œdème": (r"(?:œ|oe)d[èe]mes?",), "cardiomégalie": (r"cardiom[ée]galies?",),
            "pneumopathie": (r"pneumopathies?", r"pneumonies?"), "emphysème": (r"emphys[èe]me\w*",),
            "fracture": (r"fractures?",), "surcharge": (r"surcharges?",),
        },
    },
    "zh": {
        "anatomy": {
            "肺": ("肺",), "心脏": ("心影", "心脏", "心缘"), "纵隔": ("纵隔",), "胸膜": ("胸膜",),
            "膈肌": ("膈",), "肋骨": ("肋骨",), "肺门": ("肺门",), "气管": ("气管",),
            "主动脉": ("主动脉",), "肋膈角": ("肋膈角",),
        },
        "lesion": {
            "积液": ("积液",), "气胸": ("气胸",), "实变": ("实变",), "肺不张": ("肺不张",),
            "阴影": ("阴影", "密度增高影", "高密度影"), "结节": ("结节",), "肿块": ("肿块",),
            "水肿": ("水肿",), "心影增大": ("心影增大", "心脏增大", "心影扩大"), "炎症": ("炎", "感染"),
            "肺气肿": ("肺气肿",), "骨折": ("骨折",), "钙化": ("钙化",),
        },
    },
}


class LexiconExtractor:
    """(category, keyword) pairs found in a text by the lexicon of its language."""

    def __init__(self, lang: str):
        if lang not in LEXICONS:
            raise ConfigError(f"no keyword lexicon for language {lang!r}; valid: {', '.join(LEXICONS)}")
        self.lang = lang
        word = lang != "zh"  # Chinese has no word boundaries: substring match
        self._patterns = [
            (cat, kw, re.compile(r"\b(?:" + "|".join(forms) + r")\b" if word else "|".join(forms), re.IGNORECASE))
            for cat, entries in LEXICONS[lang].items() for kw, forms in entries.items()
        ]

    def __call__(self, text: str, lang: str | None = None) -> list[tuple[str, str]]:
        return [(cat, kw) for cat, kw, pat in self._patterns if pat.search(text)]

    def keywords(self) -> list[tuple[str, str]]:
        return [(cat, kw) for cat, kw, _ in self._patterns]


def keyword_table(studies: Sequence[Study], lang: str, extractor: Extractor | None = None,
                  section: str = "findings+impression") -> dict[tuple[str, str], dict[str, int]]:
    """(category, keyword) -> {split: number of studies mentioning it}; split ``all`` included.
    Studies without a split count under ``unassigned``. Keywords of an extractor that lists its
    vocabulary (``extractor.keywords()``, as the graph and lexicon extractors do) are listed with
    zeros when never found, so tables of two datasets line up."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}; valid: {', '.join(LANGUAGES)}")
    if extractor is None:
        from cxrgen.labeling.graph import keyword_extractor  # the library, not the CLI

        extractor = keyword_extractor(lang)
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

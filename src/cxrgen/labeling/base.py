"""The labeler interface and the registry of labelers by language.

A labeler turns a report into label values (1 positive, 0 negative, -1 uncertain, None not
mentioned) for a label set (``chestxray14`` or ``chexpert``, :mod:`labelsets`). Labelers are
built once per language and cached: compiling the lexicons takes milliseconds, labelling a
report microseconds.

Input checks (issue 4, "bad input: defined, tested behaviour"):

* an empty or blank report has no mention: every column is ``None`` (not mentioned) and the
  summary column is not set to normal; :func:`check_report` reports it as ``"empty"``;
* a report whose script does not match the declared language (Chinese characters declared
  ``en``, Latin text declared ``zh``) is reported as ``"wrong-language"``; the CLI warns, or
  errors with ``--strict``;
* a report longer than :data:`MAX_REPORT_CHARS` is cut there (counted and warned): no radiology
  report is that long, and the bound keeps labelling time linear and small.
"""

from __future__ import annotations

import functools
import re
from typing import Protocol, Sequence

from cxrgen.errors import ConfigError
from cxrgen.labeling.labelsets import LabelSet
from cxrgen.registry import Registry

#: Longest report labelled, in characters (MIMIC-CXR's longest reports are ~6,000 characters).
MAX_REPORT_CHARS = 20_000

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-zÀ-ÿ]")


class Labeler(Protocol):
    lang: str

    @property
    def name(self) -> str: ...

    def label(self, text: str, labels: str | LabelSet = "chestxray14") -> dict[str, int | None]: ...

    def label_many(self, texts: Sequence[str], labels: str | LabelSet = "chestxray14") -> list: ...

    def mentions(self, text: str) -> list: ...


#: language -> zero-argument factory of that language's labeler
LABELERS: Registry = Registry("labeler language")


@LABELERS.register("en")
def _english():
    from cxrgen.labeling.lexicon_en import LEXICON_EN
    from cxrgen.labeling.rules import RuleLabeler

    return RuleLabeler(LEXICON_EN)


@LABELERS.register("fr")
def _french():
    from cxrgen.labeling.lexicon_fr import LEXICON_FR
    from cxrgen.labeling.rules import RuleLabeler

    return RuleLabeler(LEXICON_FR)


#: the CLI help of ``--mt-variants`` (``cxrgen label`` and ``cxrgen ce``)
MT_VARIANTS_HELP = ("Chinese: also read the renderings of machine-translated reports (e.g. the IU X-Ray "
                    "translations; labeler rules-zh-mt); off for native Chinese text")


@LABELERS.register("zh")
def _chinese(mt_variants: bool = False):
    # Native Chinese radiology text by default. The MT_VARIANTS list holds renderings that only
    # the machine translation of IU X-Ray produces (e.g. 合并症 "complication" for
    # "consolidation"); on native reports they would be false positives, so they are opt-in.
    from cxrgen.labeling.lexicon_zh import LEXICON_ZH, LEXICON_ZH_WITHOUT_MT_VARIANTS
    from cxrgen.labeling.rules import RuleLabeler

    if mt_variants:  # named apart, so that a CE signature says which lexicon labelled the reports
        return RuleLabeler(LEXICON_ZH, name="rules-zh-mt")
    return RuleLabeler(LEXICON_ZH_WITHOUT_MT_VARIANTS)


@functools.lru_cache(maxsize=None)
def get_labeler(lang: str, mt_variants: bool = False) -> Labeler:
    """The (cached) labeler of ``lang``; an unknown language lists the valid ones.

    ``mt_variants=True`` (Chinese only) adds the machine-translation renderings of
    ``lexicon_zh.MT_VARIANTS``, for the machine-translated IU X-Ray reports.
    """
    if lang not in LABELERS:
        raise ConfigError(f"no labeler for language {lang!r}; valid choices: {', '.join(LABELERS.names())}")
    if mt_variants:
        if lang != "zh":
            raise ConfigError(f"mt_variants exist for Chinese only, not {lang!r}")
        return LABELERS.get(lang)(mt_variants=True)
    return LABELERS.get(lang)()


def detect_script(text: str) -> str | None:
    """``"zh"`` when Han characters dominate the letters of ``text``, ``"latin"`` when Latin
    letters do, ``None`` for text without letters. French and English share a script; they are
    told apart by :func:`check_report` with a few function words."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    if han == 0 and latin == 0:
        return None
    # a Chinese report often carries Latin abbreviations ("CT", "X线"): Han wins at 1/3 share
    return "zh" if han * 3 >= latin or han >= 20 else "latin"


_FR_WORDS = re.compile(r"\b(?:de|du|des|le|la|les|pas|absence|épanchement|pulmonaire|cardiaque|et|au|une?)\b", re.I)
_EN_WORDS = re.compile(r"\b(?:the|of|no|is|are|and|with|there|lung|lungs|heart|normal|pleural)\b", re.I)


def check_report(text: str, lang: str) -> str | None:
    """``None`` when ``text`` looks like a report in ``lang``; else ``"empty"``,
    ``"wrong-language"`` or ``"too-long"`` (the CLI counts and prints these)."""
    if not text or not text.strip():
        return "empty"
    if len(text) > MAX_REPORT_CHARS:
        return "too-long"
    script = detect_script(text)
    if script is None:
        return None
    if (lang == "zh") != (script == "zh"):
        return "wrong-language"
    if lang in ("en", "fr"):
        fr, en = len(_FR_WORDS.findall(text)), len(_EN_WORDS.findall(text))
        if lang == "en" and fr >= 3 and fr > 2 * en:
            return "wrong-language"
        if lang == "fr" and en >= 3 and en > 2 * fr:
            return "wrong-language"
    return None

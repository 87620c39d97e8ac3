"""Report normalisers, by name: text -> text, applied before a tokeniser.

``r2gen-iu`` and ``r2gen-mimic`` reproduce R2Gen's ``Tokenizer.clean_report_iu_xray`` and
``clean_report_mimic_cxr`` (Chen et al., EMNLP 2020, ``modules/tokenizers.py``), quirks
included, because the field's published tables score text cleaned this way:

* list numbers are removed by literal replacements (``'1. '`` anywhere, then ``'. 2. '`` and
  ``' 2. '`` ... ``5``), so ``"T1. "`` loses its ``1`` too and ``6.`` onwards survive;
* the report is lower-cased and split on ``'. '``; a period not followed by a space
  (``effusion.Heart``) does not split;
* in each sentence ``" / \\ '`` are deleted, then the character class
  ``[.,?;*!%^&_+():-\\[\\]{}]`` -- where ``:-\\[`` is a *range* from ``:`` to ``[`` that also
  deletes ``; < = > ? @`` (and upper-case letters, gone already) while a plain ``-`` is kept;
* empty sentences are kept (R2Gen compares each cleaned sentence with ``[]``, always unequal),
  so ``"a.. b"`` style gaps become ``" .  . "``;
* sentences are joined with ``' . '`` and ``' .'`` is appended.

The MIMIC-CXR variant first replaces newlines, squeezes runs of ``_`` (7 passes), of double
spaces (6 passes) and of ``..`` (8 passes), exactly as many passes as R2Gen does.
"""

from __future__ import annotations

import re
from typing import Callable

from cxrgen.registry import Registry

Normalizer = Callable[[str], str]

#: Every normaliser, by the name in the signature (``norm:r2gen-iu``).
NORMALIZERS: Registry[Normalizer] = Registry("normaliser")

# R2Gen's sent_cleaner class, written as R2Gen writes it: ":-\[" is the range ':'..'['.
_R2GEN_CLASS = re.compile("[.,?;*!%^&_+():-\\[\\]{}]")


def _replace_list_numbers(text: str) -> str:
    text = text.replace("1. ", "")
    for n in "2345":
        text = text.replace(f". {n}. ", ". ")
    for n in "2345":
        text = text.replace(f" {n}. ", ". ")
    return text


def _clean_sentence(sentence: str) -> str:
    sentence = sentence.replace('"', "").replace("/", "").replace("\\", "").replace("'", "")
    return _R2GEN_CLASS.sub("", sentence.strip().lower())


def _join(report: str) -> str:
    sentences = [_clean_sentence(s) for s in report.strip().lower().split(". ")]
    return " . ".join(sentences) + " ."


def _repeat(text: str, old: str, new: str, times: int) -> str:
    for _ in range(times):
        text = text.replace(old, new)
    return text


@NORMALIZERS.register("none")
def no_normalization(text: str) -> str:
    """The text unchanged."""
    return text


@NORMALIZERS.register("r2gen-iu")
def r2gen_iu_xray(text: str) -> str:
    """R2Gen ``clean_report_iu_xray``: ``"The heart is normal. No effusion."`` ->
    ``"the heart is normal . no effusion ."``"""
    text = _repeat(text, "..", ".", 3)
    return _join(_replace_list_numbers(text))


@NORMALIZERS.register("r2gen-mimic")
def r2gen_mimic_cxr(text: str) -> str:
    """R2Gen ``clean_report_mimic_cxr``: the IU cleaning after newline, ``_``, space and
    ``..`` squeezing."""
    text = text.replace("\n", " ")
    text = _repeat(text, "__", "_", 7)
    text = _repeat(text, "  ", " ", 6)
    text = _repeat(text, "..", ".", 8)
    return _join(_replace_list_numbers(text))


def get_normalizer(name: str) -> Normalizer:
    """The normaliser registered as ``name`` (an unknown name lists the valid ones)."""
    return NORMALIZERS.get(name)

"""Tokenisers by name and by language: ``get_tokenizer(name)(text) -> list[str]``.

===============  ===========================================================================
name             what it does
===============  ===========================================================================
``whitespace``   ``text.split()``: for text already tokenised (R2Gen feeds pycocoevalcap so)
``ptb``          equal to pycocoevalcap's Java ``PTBTokenizer`` (see :mod:`cxrgen.text.ptb`);
                 the English default
``fr``           French: lower-cased, accents kept, elisions split (``l'opacité`` ->
                 ``l'`` ``opacité``), decimal commas kept (``1,5``), COCO punctuation removed
``zh-jieba``     Chinese words cut by jieba (precise mode); the Chinese default
``zh-char``      one token per CJK character; Latin words and numbers stay whole
===============  ===========================================================================

Every tokeniser lower-cases and drops punctuation tokens, as pycocoevalcap's tokenisation does
for English, so that scores in the three languages are computed alike. None of them is an
ASCII-only regex: a non-empty Chinese report never yields zero tokens.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable

from cxrgen.errors import ConfigError
from cxrgen.registry import Registry
from cxrgen.text.languages import LANGUAGE_TABLE, get_language
from cxrgen.text.ptb import ptb_tokens

Tokenizer = Callable[[str], list[str]]

#: Every tokeniser, by the name in the signature (``tok:ptb``). Entries are factories.
TOKENIZERS: Registry[Callable[[], Tokenizer]] = Registry("tokeniser")

#: The tokeniser used when none is named, per language (from the language table).
DEFAULT_TOKENIZERS = {code: lang.tokenizer for code, lang in LANGUAGE_TABLE.items()}


def _is_punct(token: str) -> bool:
    """True for a token made only of Unicode punctuation (category P*), e.g. ``,`` ``。`` ``«``."""
    return all(unicodedata.category(ch).startswith("P") for ch in token)


@TOKENIZERS.register("whitespace")
def _whitespace() -> Tokenizer:
    return str.split


@TOKENIZERS.register("ptb")
def _ptb() -> Tokenizer:
    return ptb_tokens


# French elided forms (Grevisse, "Le bon usage" §44): the apostrophe stays on the first part.
_FR_ELISION = r"(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu|quelqu)'"
_FR_TOKEN = re.compile(
    rf"(?P<elision>{_FR_ELISION})(?=[^\W\d_])"
    r"|(?P<number>\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W_]+(?:[-'][^\W_]+)*)"
    r"|(?P<other>\S)",
    re.IGNORECASE,
)


def french_tokens(text: str) -> list[str]:
    """``"L'opacité mesure 1,5 cm."`` -> ``["l'", "opacité", "mesure", "1,5", "cm"]``.

    Typographic apostrophes (U+2019) count as ``'``; text is NFC-normalised so that a
    decomposed ``é`` and a composed one are the same token.
    """
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").lower()
    return [m.group() for m in _FR_TOKEN.finditer(text) if not _is_punct(m.group())]


@TOKENIZERS.register("fr")
def _fr() -> Tokenizer:
    return french_tokens


# CJK Unified Ideographs, Extension A, Compatibility Ideographs, Extensions B-F (planes 2-3)
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_ZH_CHAR = re.compile(r"[^\W\d_]+|\d+(?:\.\d+)*|\S")


def chinese_char_tokens(text: str) -> list[str]:
    """``"心影大小正常，CT示2.5cm结节"`` -> ``["心", "影", "大", "小", "正", "常", "ct", "示",
    "2.5", "cm", "结", "节"]``: NFKC-normalised (full-width letters become ASCII), lower-cased,
    punctuation dropped."""
    text = _CJK.sub(r" \g<0> ", unicodedata.normalize("NFKC", text).lower())
    return [t for t in _ZH_CHAR.findall(text) if not _is_punct(t)]


@lru_cache(maxsize=1)
def _jieba_tokenizer():
    import jieba  # core dependency; imported lazily because its dictionary takes ~1 s to load

    return jieba.Tokenizer()


def chinese_jieba_tokens(text: str) -> list[str]:
    """Words of jieba's precise mode (HMM on), lower-cased, spaces and punctuation dropped;
    text is NFKC-normalised first so full-width Latin letters and digits become ASCII."""
    text = unicodedata.normalize("NFKC", text).lower()
    words = _jieba_tokenizer().lcut(text, HMM=True)
    return [w for w in (w.strip() for w in words) if w and not _is_punct(w)]


@TOKENIZERS.register("zh-jieba")
def _zh_jieba() -> Tokenizer:
    return chinese_jieba_tokens


@TOKENIZERS.register("zh-char")
def _zh_char() -> Tokenizer:
    return chinese_char_tokens


#: Prefix of the sentence-aware tokenisers of report generation: ``sentences+ptb`` is ``ptb``
#: applied per sentence, each sentence followed by the language's sentence token.
SENTENCES = "sentences+"


def sentence_tokenizer(words: Tokenizer, lang: str) -> Tokenizer:
    """``words`` per sentence, each followed by the language's sentence token.

    The word tokenizers drop punctuation (as the metrics want); a generated report still needs
    its sentence ends, or a negation ("no effusion") would reach into the next sentence for the
    labeler. So each sentence is tokenised and closed, as R2Gen's ``clean_report`` does.
    """
    language = get_language(lang)

    def tokenizer(text: str) -> list[str]:
        out: list[str] = []
        for sentence in language.split_sentences(text):
            tokens = words(sentence)
            if tokens:
                out += tokens + [language.sentence_end]
        return out

    return tokenizer


def generation_tokenizer_name(name: str, lang: str) -> str:
    """The name of the report tokenizer of generation: ``sentences+<name>`` (``name`` "" = the
    language's default), which :func:`get_tokenizer` rebuilds from a checkpoint's vocabulary."""
    return SENTENCES + (name or default_tokenizer_name(lang))


def get_tokenizer(name: str, lang: str | None = None) -> Tokenizer:
    """The tokeniser called ``name``; an unknown name lists the valid ones.

    ``sentences+<name>`` (see :func:`sentence_tokenizer`) needs the report language ``lang``.
    """
    if name.startswith(SENTENCES):
        if lang is None:
            raise ConfigError(f"tokenizer {name!r} closes sentences by language: give lang")
        return sentence_tokenizer(TOKENIZERS.get(name[len(SENTENCES):])(), lang)
    return TOKENIZERS.get(name)()


def default_tokenizer_name(lang: str) -> str:
    return get_language(lang).tokenizer


def default_tokenizer(lang: str) -> Tokenizer:
    """The default tokeniser of a language (``en``: ptb, ``fr``: fr, ``zh``: zh-jieba)."""
    return get_tokenizer(default_tokenizer_name(lang))

"""The one table of the languages cxrgen reads and writes: every per-language fact lives here.

==== ================ ====== ============ =====================================================
code default word     joiner sentence end where the facts come from
     tokenizer
==== ================ ====== ============ =====================================================
en   ``ptb``          space  ``.``        pycocoevalcap's PTBTokenizer (the English metrics)
fr   ``fr``           space  ``.``        :func:`cxrgen.text.tokenize.french_tokens`
zh   ``zh-jieba``     none   ``。``       jieba precise mode; Chinese is written without spaces
==== ================ ====== ============ =====================================================

``sentence_end`` is the token that closes a sentence in a generated report (R2Gen's
``clean_report`` joins sentences with " . "; Chinese reports end them with the full-width
``。``); ``sentence_split`` is the regular expression that cuts a report into sentences after
its final punctuation (Chinese reports end sentences with full-width punctuation and no space).
A language added here appears in every ``--lang`` choice, config check and metric at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cxrgen.errors import ConfigError


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    tokenizer: str  # default word tokenizer (a name in cxrgen.text.tokenize.TOKENIZERS)
    joiner: str  # what joins generated words into text
    sentence_end: str  # the sentence token of generated reports
    sentence_split: str  # regex that splits a report into sentences (kept with their punctuation)

    def split_sentences(self, text: str) -> list[str]:
        """The sentences of ``text``, each with its final punctuation, blank ones dropped."""
        return [s for s in re.split(self.sentence_split, text.strip()) if s.strip()]


_TABLE = (
    Language("en", "English", "ptb", " ", ".", r"(?<=[.!?;])\s+"),
    Language("fr", "French", "fr", " ", ".", r"(?<=[.!?;])\s+"),
    Language("zh", "Chinese", "zh-jieba", "", "。", r"(?<=[。！？；])"),
)

#: code -> :class:`Language`
LANGUAGE_TABLE: dict[str, Language] = {lang.code: lang for lang in _TABLE}

#: the language codes, in the table's order (``--lang`` choices, config checks)
LANGUAGES: tuple[str, ...] = tuple(LANGUAGE_TABLE)


def get_language(code: str) -> Language:
    """The table row of ``code``; an unknown code is a :class:`ConfigError` that lists the valid ones."""
    try:
        return LANGUAGE_TABLE[code]
    except KeyError:
        raise ConfigError(f"unknown language {code!r}; valid choices: {', '.join(LANGUAGES)}") from None


def split_sentences(text: str, lang: str) -> list[str]:
    """The sentences of a report in language ``lang`` (see :meth:`Language.split_sentences`)."""
    return get_language(lang).split_sentences(text)

"""Word vocabulary for report generation: frequency threshold, distinct special ids, saved with the model.

R2Gen (Chen et al., EMNLP 2020, ``modules/tokenizers.py`` of the released code) keeps the tokens
seen at least 3 times in the IU X-Ray training reports and at least 10 times in MIMIC-CXR's; we keep
those thresholds as the documented defaults of the presets. Unlike R2Gen, whose ``bos``, ``eos`` and
``pad`` all share id 0 (so the model cannot tell "end of report" from padding and the loss has to
special-case it), every special token here has its own id:

    pad = 0, bos = 1, eos = 2, unk = 3, words = 4..

Words are ordered by decreasing frequency then alphabetically, so a vocabulary built twice from the
same reports is identical (no dependence on dict or set order).

The tokenizer is a callable ``str -> list[str]`` and its *name* is stored with the vocabulary, so a
checkpoint knows how its text was split. By default it is the language's tokenizer of
:mod:`cxrgen.text.tokenize` (``ptb`` for English, ``fr``, ``zh-jieba``), which drops punctuation;
report generation keeps sentence ends as tokens with the sentence-aware ``sentences+<name>``
tokenizers of the same module, which ``from_dict`` rebuilds from the saved name and language. ``decode`` joins words with a space, except for Chinese
(``lang="zh"``), which is joined without spaces.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterable, Sequence

from cxrgen.errors import ConfigError, InputError
from cxrgen.text.languages import LANGUAGE_TABLE

Tokenizer = Callable[[str], list[str]]

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)

# Frequency thresholds of R2Gen's released configs (``--threshold 3`` for IU X-Ray, 10 for MIMIC-CXR).
R2GEN_THRESHOLD = {"iu_xray": 3, "mimic_cxr": 10}

def whitespace_tokenizer(text: str) -> list[str]:
    """Split on whitespace: the fallback when no language tokenizer is named (tests, toy data)."""
    return text.split()


class Vocab:
    """Maps words to ids and back.

    Build one with :meth:`build` from tokenised training reports; rebuild it from a checkpoint
    with :meth:`from_dict`. ``tokenizer`` is the callable used by :meth:`encode`; it is not
    saved, only ``tokenizer_name`` is, so :meth:`from_dict` needs it passed again (or resolves
    it with :func:`cxrgen.text.tokenize.get_tokenizer` and the language).
    """

    def __init__(
        self,
        words: Sequence[str],
        *,
        tokenizer: Tokenizer | None = None,
        tokenizer_name: str = "whitespace",
        lang: str = "en",
        min_freq: int = 1,
    ):
        seen = set()
        for w in words:
            if w in SPECIALS:
                raise InputError(f"vocabulary word {w!r} collides with a special token; remove it from the input")
            if w in seen:
                raise InputError(f"vocabulary word {w!r} appears twice")
            if not w or any(c.isspace() for c in w):
                raise InputError(f"vocabulary word {w!r} is empty or contains whitespace")
            seen.add(w)
        self.itos: list[str] = list(SPECIALS) + list(words)
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}
        self.tokenizer: Tokenizer = tokenizer or _resolve_tokenizer(tokenizer_name, lang)
        self.tokenizer_name = tokenizer_name
        self.lang = lang
        self.min_freq = min_freq

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        reports: Iterable[str],
        *,
        tokenizer: Tokenizer | None = None,
        tokenizer_name: str | None = None,
        lang: str = "en",
        min_freq: int = 3,
    ) -> "Vocab":
        """Count the tokens of ``reports`` and keep those seen at least ``min_freq`` times.

        ``min_freq=3`` is R2Gen's IU X-Ray setting (10 for MIMIC-CXR, see ``R2GEN_THRESHOLD``).
        Without ``tokenizer``, the one named ``tokenizer_name`` in :mod:`cxrgen.text.tokenize` is
        used, or the language's default.
        """
        if min_freq < 1:
            raise ConfigError(f"min_freq must be >= 1, got {min_freq}")
        if tokenizer is None:
            if tokenizer_name is None:
                from cxrgen.text.tokenize import default_tokenizer_name

                tokenizer_name = default_tokenizer_name(lang)
            tokenizer = _resolve_tokenizer(tokenizer_name, lang)
        tok = tokenizer
        name = tokenizer_name or getattr(tok, "name", None) or getattr(tok, "__name__", "custom")
        counts: Counter[str] = Counter()
        for report in reports:
            counts.update(t for t in tok(report) if t not in SPECIALS)
        kept = [w for w, c in counts.items() if c >= min_freq]
        kept.sort(key=lambda w: (-counts[w], w))
        return cls(kept, tokenizer=tok, tokenizer_name=name, lang=lang, min_freq=min_freq)

    # ---- special ids --------------------------------------------------------------------
    @property
    def pad_id(self) -> int:
        return 0

    @property
    def bos_id(self) -> int:
        return 1

    @property
    def eos_id(self) -> int:
        return 2

    @property
    def unk_id(self) -> int:
        return 3

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: object) -> bool:
        return word in self.stoi

    # ---- text <-> ids -------------------------------------------------------------------
    def tokens_to_ids(self, tokens: Iterable[str]) -> list[int]:
        return [self.stoi.get(t, self.unk_id) for t in tokens]

    def encode(self, text: str, *, add_special: bool = False, max_len: int | None = None) -> list[int]:
        """Token ids of ``text`` (unknown words -> ``unk_id``).

        ``add_special`` wraps the ids as ``[bos, w1..wn, eos]`` (the layout the models train on);
        ``max_len`` truncates the words first (R2Gen truncates reports to ``max_seq_length``).
        """
        ids = self.tokens_to_ids(self.tokenizer(text))
        if max_len is not None:
            ids = ids[:max_len]
        if add_special:
            ids = [self.bos_id, *ids, self.eos_id]
        return ids

    def decode(self, ids: Iterable[int], *, stop_at_eos: bool = True) -> str:
        """Text of ``ids``: specials dropped, reading stops at the first ``eos``.

        Words are joined with one space, Chinese without (``lang="zh"``).
        """
        words = []
        n = len(self.itos)
        for i in ids:
            i = int(i)
            if i == self.eos_id and stop_at_eos:
                break
            if i in (self.pad_id, self.bos_id, self.eos_id):
                continue
            if not 0 <= i < n:
                raise InputError(f"token id {i} is outside the vocabulary (size {n})")
            words.append(self.itos[i])
        sep = LANGUAGE_TABLE[self.lang].joiner if self.lang in LANGUAGE_TABLE else " "
        return sep.join(words)

    # ---- persistence --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description, stored in the checkpoint."""
        return {
            "format": "cxrgen.vocab/1",
            "words": self.itos[len(SPECIALS):],
            "specials": list(SPECIALS),
            "tokenizer": self.tokenizer_name,
            "lang": self.lang,
            "min_freq": self.min_freq,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, tokenizer: Tokenizer | None = None) -> "Vocab":
        """Rebuild a vocabulary saved by :meth:`to_dict`.

        Without ``tokenizer``, the saved tokenizer name is resolved with
        :func:`cxrgen.text.tokenize.get_tokenizer` (with the saved language); "whitespace" is built in.
        """
        if not isinstance(data, dict) or data.get("format") != "cxrgen.vocab/1":
            raise InputError("not a cxrgen vocabulary: expected a dict with format 'cxrgen.vocab/1'")
        if list(data.get("specials", [])) != list(SPECIALS):
            raise InputError(f"vocabulary specials {data.get('specials')} differ from {list(SPECIALS)}")
        name = data.get("tokenizer", "whitespace")
        if tokenizer is None:
            tokenizer = _resolve_tokenizer(name, data.get("lang", "en"))
        return cls(
            data["words"], tokenizer=tokenizer, tokenizer_name=name,
            lang=data.get("lang", "en"), min_freq=int(data.get("min_freq", 1)),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, lang={self.lang!r}, tokenizer={self.tokenizer_name!r}, min_freq={self.min_freq})"


def _resolve_tokenizer(name: str, lang: str) -> Tokenizer:
    if name == "whitespace":
        return whitespace_tokenizer
    from cxrgen.errors import UnknownNameError
    from cxrgen.text.tokenize import get_tokenizer

    try:
        return get_tokenizer(name, lang)
    except UnknownNameError as exc:
        raise ConfigError(
            f"the vocabulary's tokenizer {name!r} is not one of cxrgen.text.tokenize ({exc}); "
            "pass the tokenizer callable as tokenizer="
        ) from None

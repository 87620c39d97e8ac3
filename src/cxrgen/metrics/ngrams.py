"""N-gram statistics of a whole corpus at once, in NumPy, shared by BLEU and CIDEr-D.

Both references count the n-grams (n = 1..4) of whitespace-split tokens in a Python dict per
sentence (pycocoevalcap ``bleu_scorer.precook`` / ``cider_scorer.precook``). Here:

* identical documents are counted once (generated reports repeat a lot, and every reference is
  usually also compared with several systems): ``doc_index`` maps each document to its
  distinct document;
* tokens become integer ids, and the n-gram starting at position p gets an integer code, built
  order by order: ``code_n(p) = code_{n-1}(p) * V + token(p + n - 1)``; when
  ``doc * code`` could overflow int64 (vocabularies of tens of thousands of words), the codes
  are renumbered first;
* per distinct document, counts come from one sort of the ``doc * modulus + code`` keys per
  order; the entries of a document are a contiguous run of those sorted keys, and looking up a
  hypothesis n-gram in its reference is a ``searchsorted``.

This gives the same counts as the references' dicts, in a handful of vectorised passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Sequence

import numpy as np

MAX_N = 4
_LIMIT = 2**62  # keys doc * modulus + code stay below this (int64)


def compact(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber values 0..U-1 in sorted order (``np.unique(return_inverse=True)``, which in
    NumPy 2.x takes a slower hash path for large values)."""
    if len(values) == 0:
        return values.copy(), 0
    order = np.argsort(values)
    s = values[order]
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    ranks = np.cumsum(new) - 1
    out = np.empty_like(ranks)
    out[order] = ranks
    return out, int(ranks[-1]) + 1


def unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their counts."""
    if len(values) == 0:
        return values.copy(), np.zeros(0, dtype=np.int64)
    s = np.sort(values)
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    return s[starts], np.diff(np.r_[starts, len(s)])


@dataclass
class OrderCounts:
    """Counts of one n-gram order over the distinct documents.

    ``keys`` (sorted) are ``doc * modulus + code``; the entries of distinct document ``u`` are
    ``keys[start[u]:start[u + 1]]``.
    """

    keys: np.ndarray  # (E,) int64, sorted
    counts: np.ndarray  # (E,) int64
    modulus: int  # codes are < modulus (not necessarily dense)
    start: np.ndarray  # (U + 1,) int64

    @property
    def docs(self) -> np.ndarray:
        return self.keys // self.modulus

    @property
    def codes(self) -> np.ndarray:
        return self.keys % self.modulus

    def expand(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Entries of the given distinct documents, one run per element of ``docs``:
        ``(row, entry)`` where ``row`` indexes ``docs`` and ``entry`` indexes ``keys``."""
        begin = self.start[docs]
        sizes = self.start[docs + 1] - begin
        total = int(sizes.sum())
        row = np.repeat(np.arange(len(docs), dtype=np.int64), sizes)
        offsets = np.cumsum(sizes) - sizes
        entry = np.arange(total, dtype=np.int64) - np.repeat(offsets - begin, sizes)
        return row, entry

    def find(self, docs: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(entry, found)``: where ``(doc, code)`` is in ``keys`` (entry is only meaningful
        where ``found``)."""
        wanted = docs * self.modulus + codes
        if len(self.keys) == 0:
            return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
        entry = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        return entry, self.keys[entry] == wanted


class CorpusNgrams:
    """Encoded n-grams of a list of token lists (documents)."""

    def __init__(self, docs: Sequence[Sequence[str]], max_n: int = MAX_N, keep_grams: bool = False):
        """``keep_grams``: also remember where each entry first occurs, so that :meth:`grams` can
        name its n-gram (what CIDEr-D needs to look up document frequencies counted elsewhere)."""
        distinct: dict[tuple[str, ...], int] = {}
        self.doc_index = np.fromiter(
            (distinct.setdefault(tuple(d), len(distinct)) for d in docs), dtype=np.int64, count=len(docs)
        )
        unique_docs = list(distinct)
        self.n_distinct = n_docs = len(unique_docs)
        lengths = np.fromiter((len(d) for d in unique_docs), dtype=np.int64, count=n_docs)
        self.lengths = lengths[self.doc_index]  # per original document

        tokens = list(chain.from_iterable(unique_docs))
        # first-occurrence order, not set order: a set follows the per-process string hash, which made
        # n-gram codes, and so the order of float sums (CIDEr), differ from run to run
        vocab = {tok: i for i, tok in enumerate(dict.fromkeys(tokens))}
        ids = np.array(list(map(vocab.__getitem__, tokens)), dtype=np.int64)
        v = max(len(vocab), 1)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        end_of = np.repeat(np.cumsum(lengths), lengths)  # one past the last position of the doc
        pos = np.arange(len(ids), dtype=np.int64)

        self.orders: list[OrderCounts] = []
        self._tokens = tokens if keep_grams else None
        self._first: list[np.ndarray] = []  # per order: the position of each entry's first n-gram
        code = ids  # code of the n-gram starting at each position (n = 1: the token id)
        bound = v  # codes are < bound
        for n in range(1, max_n + 1):
            valid = pos + n - 1 < end_of
            p = pos[valid]
            if n > 1:
                prev = code[valid]
                if bound * v * max(n_docs, 1) >= _LIMIT:  # would overflow: renumber first
                    prev, bound = compact(prev)
                    bound = max(bound, 1)
                code = np.full(len(ids), -1, dtype=np.int64)
                code[p] = prev * v + ids[p + n - 1]
                bound *= v
            keys, counts = unique_counts(doc_of[p] * bound + code[p])
            if keep_grams:  # np.unique sorts as unique_counts does: the same entry order
                self._first.append(p[np.unique(doc_of[p] * bound + code[p], return_index=True)[1]])
            start = np.searchsorted(keys, np.arange(n_docs + 1, dtype=np.int64) * bound)
            self.orders.append(OrderCounts(keys, counts, bound, start))

    def grams(self, k: int) -> list[tuple[str, ...]]:
        """The n-gram (n = k + 1) of every entry of ``orders[k]``, in entry order; needs
        ``keep_grams=True``."""
        if self._tokens is None:
            raise ValueError("CorpusNgrams.grams needs keep_grams=True")
        n = k + 1
        return [tuple(self._tokens[s:s + n]) for s in self._first[k].tolist()]

"""N-gram statistics of a whole corpus at once, in NumPy, shared by BLEU and CIDEr-D.

Both references count the n-grams (n = 1..4) of whitespace-split tokens in a Python dict per
sentence (pycocoevalcap ``bleu_scorer.precook`` / ``cider_scorer.precook``). Here every
document (hypotheses and references together) is encoded once:

* tokens become integer ids;
* the n-gram starting at position p gets an integer code, built order by order:
  ``code_n(p) = code_{n-1}(p) * V + token(p + n - 1)``; when ``doc * code`` could overflow
  int64 (vocabularies of tens of thousands of words), the codes are renumbered first;
* per-document counts come from one sort of the ``doc * bound + code`` keys per order, and
  matching a hypothesis against its reference is a ``searchsorted`` over sorted keys.

This gives the same counts as the references' dicts, in a handful of vectorised passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Sequence

import numpy as np

MAX_N = 4
_LIMIT = 2**62  # keys doc * bound + code stay below this (int64)


@dataclass
class DocCounts:
    """Counts of one n-gram order: sorted unique keys ``doc * modulus + code`` and their counts."""

    keys: np.ndarray  # (U,) int64, sorted
    counts: np.ndarray  # (U,) int64
    modulus: int  # codes are < modulus (not necessarily dense)

    @property
    def docs(self) -> np.ndarray:
        return self.keys // self.modulus

    @property
    def codes(self) -> np.ndarray:
        return self.keys % self.modulus


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


class CorpusNgrams:
    """Encoded n-grams of a list of token lists (documents)."""

    def __init__(self, docs: Sequence[Sequence[str]], max_n: int = MAX_N):
        self.n_docs = len(docs)
        self.lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        tokens = list(chain.from_iterable(docs))
        vocab = {tok: i for i, tok in enumerate(set(tokens))}
        ids = np.array(list(map(vocab.__getitem__, tokens)), dtype=np.int64)
        v = max(len(vocab), 1)
        doc_of = np.repeat(np.arange(self.n_docs, dtype=np.int64), self.lengths)
        ends = np.cumsum(self.lengths)
        end_of = np.repeat(ends, self.lengths)  # (L,) one past the last position of the doc
        pos = np.arange(len(ids), dtype=np.int64)

        self.orders: list[DocCounts] = []
        code = ids  # code of the n-gram starting at each position (n = 1: the token id)
        bound = v  # codes are < bound
        for n in range(1, max_n + 1):
            valid = pos + n - 1 < end_of
            p = pos[valid]
            if n > 1:
                prev = code[valid]
                if bound * v * max(self.n_docs, 1) >= _LIMIT:  # would overflow: renumber first
                    prev, bound = compact(prev)
                    bound = max(bound, 1)
                code = np.full(len(ids), -1, dtype=np.int64)
                code[p] = prev * v + ids[p + n - 1]
                bound *= v
            keys, counts = unique_counts(doc_of[p] * bound + code[p])
            self.orders.append(DocCounts(keys, counts, bound))


def lookup(keys: np.ndarray, table_keys: np.ndarray, table_values: np.ndarray) -> np.ndarray:
    """``table_values`` at ``keys`` (0 where a key is absent); ``table_keys`` sorted."""
    if len(table_keys) == 0:
        return np.zeros(len(keys), dtype=table_values.dtype)
    idx = np.searchsorted(table_keys, keys)
    idx_c = np.minimum(idx, len(table_keys) - 1)
    found = table_keys[idx_c] == keys
    return np.where(found, table_values[idx_c], 0)


def rekey(counts: DocCounts, doc_map: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keys of ``counts`` with documents renumbered by ``doc_map`` (e.g. doc -> report),
    sorted, with the *maximum* count where several documents map to one key."""
    keys = doc_map[counts.docs] * counts.modulus + counts.codes
    if len(keys) < 2 or bool(np.all(keys[1:] > keys[:-1])):  # one reference each: nothing to merge
        return keys, counts.counts
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], counts.counts[order]
    if len(keys) == 0:
        return keys, values
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.maximum.reduceat(values, starts)

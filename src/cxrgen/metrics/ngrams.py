"""N-gram counting shared by BLEU and CIDEr-D.

Both references count n-grams of ``s.split()`` for n = 1..4 in one ``defaultdict`` keyed by
the n-gram tuple (pycocoevalcap ``bleu_scorer.precook`` / ``cider_scorer.precook``). Here each
order gets its own :class:`collections.Counter`, built with ``zip`` over shifted token lists,
which is several times faster than the reference's slicing loop and gives the same counts.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

MAX_N = 4


def ngram_counts(tokens: Sequence[str], max_n: int = MAX_N) -> list[Counter]:
    """``[Counter of 1-grams, ..., Counter of max_n-grams]``, n-grams as tuples of tokens."""
    toks = tuple(tokens)
    out = [Counter(zip(toks))]
    for n in range(2, max_n + 1):
        out.append(Counter(zip(*(toks[i:] for i in range(n)))))
    return out

"""The vectorised n-gram counts equal plain dict counting, with small and huge vocabularies."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from cxrgen.metrics.ngrams import CorpusNgrams


def dict_counts(doc, n):
    return Counter(tuple(doc[i:i + n]) for i in range(len(doc) - n + 1))


@pytest.mark.parametrize("vocab_size", [3, 200, 300_000])  # 300k words forces the renumbering path
def test_counts_equal_dict_counting(vocab_size):
    rng = random.Random(vocab_size)
    vocab = [f"w{i}" for i in range(vocab_size)]
    longest = 1000 if vocab_size > 1000 else 30
    docs = [[rng.choice(vocab[:50]) if rng.random() < 0.3 else rng.choice(vocab) for _ in range(rng.randrange(0, longest))]
            for _ in range(120 if vocab_size > 1000 else 40)]
    distinct = len({t for d in docs for t in d})
    if vocab_size > 1000:
        assert distinct**4 * len(docs) >= 2**62  # the codes of 4-grams are renumbered
    docs += [list(docs[3]), list(docs[7])]  # repeated documents are counted once
    corpus = CorpusNgrams(docs)
    assert corpus.doc_index[-2] == corpus.doc_index[3] and corpus.doc_index[-1] == corpus.doc_index[7]
    first = {}
    for d, u in enumerate(corpus.doc_index.tolist()):
        first.setdefault(u, d)
    for n, order in enumerate(corpus.orders, start=1):
        # the multiset of per-document counts is the same as with dicts (codes are internal)
        ours = sorted(zip(order.docs.tolist(), order.counts.tolist()))
        expected = sorted((u, c) for u, d in first.items() for c in dict_counts(docs[d], n).values())
        assert ours == expected
        # expand() gives back each document's own entries
        row, entry = order.expand(corpus.doc_index)
        for d in (0, 3, len(docs) - 2):
            got = sorted(order.counts[entry[row == d]].tolist())
            assert got == sorted(dict_counts(docs[d], n).values())
        # same n-gram -> same code across documents
        assert len(set(order.codes.tolist())) == len({g for doc in docs for g in dict_counts(doc, n)})
    assert corpus.lengths.tolist() == [len(d) for d in docs]


def test_empty_corpus_and_empty_documents():
    corpus = CorpusNgrams([[], ["a"], []])
    assert [len(o.keys) for o in corpus.orders] == [1, 0, 0, 0]
    assert corpus.doc_index.tolist() == [0, 1, 0] and corpus.lengths.tolist() == [0, 1, 0]
    assert len(CorpusNgrams([]).orders[0].keys) == 0

"""Per-text inputs of the compiled pair loop (:mod:`.batch_jit`), built for a whole corpus at once.

What :class:`.align.Matcher` computes sentence by sentence (stems, synsets, n-gram hashes,
paraphrase-table look-ups), here as flat arrays over every distinct text of a corpus, with NumPy
passes over the concatenated words instead of calls per sentence; only the per-*word* look-ups
(Snowball stem, WordNet synsets, word hash) stay in Python, once per distinct word.

Texts are rows of a CSR layout: the words of text ``t`` are positions ``t_off[t]:t_off[t + 1]``
of ``wid`` (word ids), ``sid`` (stem ids) and ``func`` (function word or not).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Sequence

import numpy as np

from cxrgen.metrics.meteor.resources import _MULT, _SEED


@dataclass
class CorpusArrays:
    t_off: np.ndarray  # (T + 1,) word offsets of each text
    wid: np.ndarray  # (N,) word ids
    sid: np.ndarray  # (N,) stem ids
    func: np.ndarray  # (N,) int64 0/1: function word
    w_syn_off: np.ndarray  # (V + 1,) synset-id offsets of each word id
    w_syn_ids: np.ndarray  # sorted synset ids of each word (its own and its base form's)
    ph_off: np.ndarray  # (T + 1,) table phrases found in each text, by (start, length)
    ph_start: np.ndarray  # global word position of each phrase
    ph_len: np.ndarray
    ph_toff: np.ndarray  # offsets of each phrase's paraphrases (table order)
    tg_hash: np.ndarray  # paraphrase hashes (uint64)
    tg_len: np.ndarray  # paraphrase lengths in words
    gs_off: np.ndarray  # (T + 1,) each text's n-grams, sorted by (hash, length, position)
    gs_hash: np.ndarray
    gs_len: np.ndarray
    gs_pos: np.ndarray  # global word position of the n-gram's start
    max_len: int  # longest table phrase (n-grams are hashed up to this length)


def corpus_arrays(matcher, sentences: Sequence[Sequence[str]], use_syn: bool, use_para: bool) -> CorpusArrays:
    """The arrays of :class:`CorpusArrays` for ``sentences`` (normalised word lists), using the
    matcher's per-word caches and resources."""
    res = matcher.res
    n_texts = len(sentences)
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=n_texts)
    t_off = np.zeros(n_texts + 1, dtype=np.int64)
    np.cumsum(lengths, out=t_off[1:])
    flat = list(chain.from_iterable(sentences))
    words = list(dict.fromkeys(flat))  # distinct words, first-seen order (C loops, no generator)
    vocab = dict(zip(words, range(len(words))))
    wid = np.array(list(map(vocab.__getitem__, flat)), dtype=np.int64)
    stem_ids: dict[str, int] = {}
    w_sid = np.fromiter((stem_ids.setdefault(matcher.stem(w), len(stem_ids)) for w in words),
                        dtype=np.int64, count=len(words))
    fw = res.function_words
    w_func = np.fromiter((w in fw for w in words), dtype=np.int64, count=len(words))
    if use_syn:
        syn_lists = [sorted(matcher.synsets(w)) for w in words]
        w_syn_off = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in syn_lists], out=w_syn_off[1:])
        w_syn_ids = np.fromiter(chain.from_iterable(syn_lists), dtype=np.int64, count=int(w_syn_off[-1]))
    else:
        w_syn_off = np.zeros(len(words) + 1, dtype=np.int64)
        w_syn_ids = np.zeros(0, dtype=np.int64)

    empty_i = np.zeros(0, dtype=np.int64)
    max_len = int(res.para_max_src_len) if use_para else 0
    if use_para and len(flat):
        ph, gs = _phrases(res, matcher.word_hashes(words)[wid], t_off, lengths, max_len)
    else:
        ph = (np.zeros(n_texts + 1, dtype=np.int64), empty_i, empty_i, np.zeros(1, dtype=np.int64),
              np.zeros(0, dtype=np.uint64), empty_i)
        gs = (np.zeros(n_texts + 1, dtype=np.int64), np.zeros(0, dtype=np.uint64), empty_i, empty_i)
    return CorpusArrays(t_off, wid, w_sid[wid], w_func[wid], w_syn_off, w_syn_ids, *ph, *gs, max_len)


def _phrases(res, hashes: np.ndarray, t_off: np.ndarray, lengths: np.ndarray, max_len: int):
    """Table phrases (with their paraphrases) and sorted n-grams of every text.

    The n-gram hashes are :func:`.resources.phrase_hashes` of each text, computed for all texts
    at once: the recurrence ``h_n(p) = h_{n-1}(p) * MULT + word(p + n - 1)`` over the
    concatenated words, keeping the positions whose n-gram ends inside their own text."""
    n_words = len(hashes)
    n_texts = len(lengths)
    text_of = np.repeat(np.arange(n_texts, dtype=np.int64), lengths)
    end_of = t_off[1:][text_of]  # one past the last word of the position's text
    pos = np.arange(n_words, dtype=np.int64)
    h = np.full(n_words, _SEED, dtype=np.uint64)
    g_hash, g_pos, g_len = [], [], []
    with np.errstate(over="ignore"):
        for n in range(1, max_len + 1):
            if n > 1:
                h = h[:-1]
            h = h * _MULT + hashes[n - 1:]
            valid = pos[: len(h)] + n - 1 < end_of[: len(h)]
            p = np.flatnonzero(valid)
            if len(p) == 0:
                break
            g_hash.append(h[p])
            g_pos.append(p)
            g_len.append(np.full(len(p), n, dtype=np.int64))
    keys = np.concatenate(g_hash)
    starts = np.concatenate(g_pos)
    glen = np.concatenate(g_len)
    texts = text_of[starts]

    # By hash (stable: ties stay in generation order, i.e. by length then position): the table
    # look-up below runs on sorted queries, several times faster than on unsorted ones.
    by_hash = np.argsort(keys, kind="stable")
    sorted_keys = keys[by_hash]
    src = res.para_src_hash
    slot = np.searchsorted(src, sorted_keys)
    ok = slot < len(src)
    found = np.zeros(len(keys), dtype=bool)
    found[ok] = src[slot[ok]] == sorted_keys[ok]

    # n-grams sorted by (text, hash, length, position), for the paraphrase-in-target look-up:
    # a second stable sort, by text (a radix sort when text ids fit in 16 bits)
    text_key = texts[by_hash].astype(np.uint16 if n_texts <= 1 << 16 else np.int64)
    order = by_hash[np.argsort(text_key, kind="stable")]
    gs_off = np.searchsorted(texts[order], np.arange(n_texts + 1, dtype=np.int64))
    gs = (gs_off, keys[order], glen[order], starts[order])

    # table phrases found, by (text, start, length): start is global, so (start, length) suffices
    sel = by_hash[found]
    slot = slot[found]
    by_start = np.argsort(starts[sel] * (max_len + 1) + glen[sel])
    sel = sel[by_start]
    slot = slot[by_start]
    ph_off = np.searchsorted(texts[sel], np.arange(n_texts + 1, dtype=np.int64))
    lo = res.para_src_offsets[slot].astype(np.int64)
    sizes = res.para_src_offsets[slot + 1].astype(np.int64) - lo
    ph_toff = np.zeros(len(sel) + 1, dtype=np.int64)
    np.cumsum(sizes, out=ph_toff[1:])
    total = int(ph_toff[-1])
    entry = np.repeat(lo - ph_toff[:-1], sizes) + np.arange(total, dtype=np.int64)
    ph = (ph_off, starts[sel], glen[sel], ph_toff, np.asarray(res.para_tgt_hash[entry]),
          np.asarray(res.para_tgt_len[entry]).astype(np.int64))
    return ph, gs

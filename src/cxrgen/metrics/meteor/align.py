"""METEOR 1.5's word alignment: candidate matches by stage, then a beam search over them.

Reimplemented from the METEOR papers (Lavie & Agarwal 2007; Denkowski & Lavie, "Meteor 1.3",
WMT 2011 and "Meteor Universal", WMT 2014) and METEOR 1.5's documented behaviour, so that the
alignments equal those of ``meteor-1.5.jar``:

**Matching stages** (``-l en``: exact, stem, synonym, paraphrase; ``-l fr`` here: exact, stem).
Each stage adds every candidate match between a hypothesis span and a reference span; a word may
be in many candidates. Candidates are listed per reference start position, in stage order, then
hypothesis position order, which decides ties in the search.

* exact: identical words;
* stem: different words with equal Snowball stems;
* synonym: different words sharing a WordNet synset, where a word's synsets are its own plus
  those of its WordNet base form (irregular-form exceptions, else WordNet's suffix rules);
* paraphrase: a reference n-gram listed in the paraphrase table whose paraphrase occurs in the
  hypothesis, and the same with the roles swapped (spans of 1 to 7 words).

**Search.** Candidates that are the only match of all their words are fixed first. A beam
search (beam 40) then walks the reference left to right; at each position a partial alignment
either takes one of the candidates starting there whose words are still free, or skips the word.
Partial alignments are ranked by (1) most matched words, where an exact match counts 1 per word
and other stages 1/2 per word with the running total truncated to an integer as METEOR stores it,
(2) fewest chunks, (3) least summed distance ``|ref start - hyp start|``, keeping METEOR's order
for ties (a stable sort) and its way of accumulating the distance on the skipping alternative.
Identical sentences use the exact stage only.

A *chunk* is a maximal run of matches that are adjacent in both sentences.

The search runs compiled by numba when it is installed (extra ``fast``, :mod:`.search_jit`),
in Python otherwise; both give the same alignment (tested on real reports). Sentence-level work
(stems, synsets, n-gram hashes, paraphrase look-ups) is cached per sentence, since a corpus
scores each reference against several systems and each report often appears on both sides.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from operator import itemgetter
from typing import Callable, Sequence

import numpy as np

from cxrgen.metrics.meteor.resources import MeteorResources, phrase_hashes, word_hash

EXACT, STEM, SYNONYM, PARAPHRASE = 0, 1, 2, 3
MODULE_NAMES = ("exact", "stem", "synonym", "paraphrase")
BEAM_SIZE = 40  # Constants.DEFAULT_BEAM_SIZE of METEOR 1.5
# Weights used *inside the search* (MeteorScorer sets exact 1.0, every other stage 0.5); the
# score itself uses the task weights (see scorer.py).
SEARCH_WEIGHTS = (1.0, 0.5, 0.5, 0.5)

# A match: (ref_start, ref_len, hyp_start, hyp_len, module)
Match = tuple[int, int, int, int, int]

# WordNet 3.0 morphology (morphy) suffix rules: nouns, verbs, adjectives, tried in this order.
_MORPH_RULES = (
    ("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
    ("men", "man"), ("ies", "y"),
    ("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"),
    ("ing", ""),
    ("er", ""), ("est", ""), ("er", "e"), ("est", "e"),
)


@dataclass
class Alignment:
    """The chosen matches and what the score needs from them."""

    hyp: list[str]
    ref: list[str]
    matches: list[Match]  # in reference order
    chunks: int


class Matcher:
    """Candidate generation with per-word caches (stems, synsets, word hashes) kept across calls."""

    #: sentences whose table phrases are kept (cleared when full)
    cache_size = 8192

    def __init__(self, resources: MeteorResources, stem: Callable[[str], str], modules: Sequence[int]):
        self.res = resources
        self.stem_fn = stem
        self.modules = tuple(modules)
        self._stems: dict[str, str] = {}
        self._synsets: dict[str, frozenset[int]] = {}
        self._hashes: dict[str, int] = {}
        self._phrase_cache: dict[tuple[str, ...], tuple] = {}
        self._syn_cache: dict[tuple[str, ...], tuple] = {}
        self._word_cache: dict[tuple[str, ...], tuple] = {}
        self._vocab: dict[str, int] = {}

    # -- per-word look-ups ---------------------------------------------------------------
    def stem(self, word: str) -> str:
        s = self._stems.get(word)
        if s is None:
            s = self._stems[word] = self.stem_fn(word)
        return s

    def _synsets_of(self, word: str) -> set[int]:
        k = self.res.syn_index.get(word)
        if k is None:
            return set()
        off = self.res.syn_offsets
        return set(self.res.syn_ids[off[k] : off[k + 1]].tolist())

    def _morph(self, word: str) -> str:
        # WordNet's morphy as METEOR 1.5 applies it: first suffix rule whose result is a word
        # with synsets; words ending in "ss" or of <= 2 letters are their own base.
        if word.endswith("ss") or len(word) <= 2:
            return word
        for suffix, ending in _MORPH_RULES:
            if word.endswith(suffix):
                cand = word[: len(word) - len(suffix)] + ending
                if cand in self.res.syn_index:
                    return cand
        return ""

    def synsets(self, word: str) -> frozenset[int]:
        s = self._synsets.get(word)
        if s is None:
            sets = self._synsets_of(word)
            bases = self.res.syn_exceptions.get(word)
            if bases is not None:
                for base in bases:
                    sets |= self._synsets_of(base)
            else:
                sets |= self._synsets_of(self._morph(word))
            s = self._synsets[word] = frozenset(sets)
        return s

    def word_hashes(self, words: Sequence[str]) -> np.ndarray:
        get = self._hashes.get
        out = np.empty(len(words), dtype=np.uint64)
        for k, w in enumerate(words):
            h = get(w)
            if h is None:
                h = self._hashes[w] = word_hash(w)
            out[k] = h
        return out

    # -- stages ------------------------------------------------------------------------
    def candidates(self, hyp: Sequence[str], ref: Sequence[str]) -> list[list[Match]]:
        """Candidate matches per reference start position, in METEOR's order."""
        per_ref: list[list[Match]] = [[] for _ in ref]
        modules = self.modules
        if len(hyp) == len(ref) and list(hyp) == list(ref):
            modules = modules[:1]  # identical sentences: exact only (avoids beam errors)
        for module in modules:
            if module == EXACT:
                self._exact(hyp, ref, per_ref)
            elif module == STEM:
                self._stem(hyp, ref, per_ref)
            elif module == SYNONYM:
                self._synonym(hyp, ref, per_ref)
            elif module == PARAPHRASE:
                self._paraphrase(hyp, ref, per_ref)
        return per_ref

    def prepare(self, words: Sequence[str]) -> None:
        """Fill the per-sentence caches of the stages that use them (see :meth:`candidates`)."""
        self._sentence_words(words)
        if SYNONYM in self.modules:
            self._sentence_synsets(words)
        if PARAPHRASE in self.modules and words:
            self._sentence_phrases(words)

    def export_sentences(self, sentences: Sequence[Sequence[str]]) -> list[tuple]:
        """The cached per-sentence values of ``sentences`` (prepared), as plain picklable data
        for another process's :meth:`import_sentences`. Synonym word ids are process-local
        (``_vocab``), so they are left out and rebuilt by the importer."""
        out = []
        for words in sentences:
            key = tuple(words)
            syn = self._syn_cache.get(key)
            out.append((key, self._word_cache.get(key), None if syn is None else syn[:2],
                        self._phrase_cache.get(key)))
        return out

    def import_sentences(self, state: list[tuple]) -> None:
        """Adopt per-sentence values computed by another process (see :meth:`export_sentences`)."""
        vocab = self._vocab
        for key, words_entry, syn, phrases in state:
            if len(self._word_cache) >= self.cache_size or len(self._syn_cache) >= self.cache_size \
                    or len(self._phrase_cache) >= self.cache_size:
                return  # full: the rest is recomputed on demand
            if words_entry is not None:
                self._word_cache[key] = words_entry
            if syn is not None:
                wid = np.fromiter((vocab.setdefault(w, len(vocab)) for w in key), dtype=np.int64,
                                  count=len(key))
                self._syn_cache[key] = (syn[0], syn[1], wid)
            if phrases is not None:
                self._phrase_cache[key] = phrases

    def _sentence_words(self, words: Sequence[str]):
        """(stems, positions of each word, positions of each stem), cached per sentence."""
        key = tuple(words)
        hit = self._word_cache.get(key)
        if hit is not None:
            return hit
        stems = [self.stem(w) for w in words]
        by_word: dict[str, list[int]] = {}
        by_stem: dict[str, list[int]] = {}
        for i, (w, st) in enumerate(zip(words, stems)):
            by_word.setdefault(w, []).append(i)
            by_stem.setdefault(st, []).append(i)
        out = (stems, by_word, by_stem)
        if len(self._word_cache) >= self.cache_size:
            self._word_cache.clear()
        self._word_cache[key] = out
        return out

    def _exact(self, hyp, ref, per_ref) -> None:
        pos = self._sentence_words(hyp)[1]
        for j, w in enumerate(ref):
            found = pos.get(w)
            if found:
                per_ref[j].extend([(j, 1, i, 1, EXACT) for i in found])

    def _stem(self, hyp, ref, per_ref) -> None:
        pos = self._sentence_words(hyp)[2]
        ref_stems = self._sentence_words(ref)[0]
        for j, (w, st) in enumerate(zip(ref, ref_stems)):
            found = pos.get(st)
            if found:
                per_ref[j].extend([(j, 1, i, 1, STEM) for i in found if hyp[i] != w])

    def _sentence_synsets(self, words: Sequence[str]):
        """(synset ids sorted, position of each, word ids) of a sentence, cached per sentence."""
        key = tuple(words)
        hit = self._syn_cache.get(key)
        if hit is not None:
            return hit
        ids, pos = [], []
        for i, w in enumerate(words):
            sets = self.synsets(w)
            ids.extend(sets)
            pos.extend([i] * len(sets))
        ids_a = np.asarray(ids, dtype=np.int64)
        order = np.argsort(ids_a, kind="stable")
        vocab = self._vocab
        wid = np.fromiter((vocab.setdefault(w, len(vocab)) for w in words), dtype=np.int64, count=len(words))
        out = (ids_a[order], np.asarray(pos, dtype=np.int64)[order], wid)
        if len(self._syn_cache) >= self.cache_size:
            self._syn_cache.clear()
        self._syn_cache[key] = out
        return out

    def _synonym(self, hyp, ref, per_ref) -> None:
        # pairs (ref j, hyp i) of different words sharing a synset, sorted by j then i:
        # a sort-merge join of the two sentences' (synset, position) lists
        h_ids, h_pos, h_wid = self._sentence_synsets(hyp)
        r_ids, r_pos, r_wid = self._sentence_synsets(ref)
        if len(h_ids) == 0 or len(r_ids) == 0:
            return
        lo = np.searchsorted(h_ids, r_ids, side="left")
        hi = np.searchsorted(h_ids, r_ids, side="right")
        sizes = hi - lo
        total = int(sizes.sum())
        if total == 0:
            return
        ends = np.cumsum(sizes)
        rows = np.repeat(np.arange(len(r_ids)), sizes)
        k = np.repeat(lo - (ends - sizes), sizes) + np.arange(total)
        j = r_pos[rows]
        i = h_pos[k]
        code = np.unique(j * len(hyp) + i)
        j, i = code // len(hyp), code % len(hyp)
        keep = h_wid[i] != r_wid[j]
        for jj, ii in zip(j[keep].tolist(), i[keep].tolist()):
            per_ref[jj].append((jj, 1, ii, 1, SYNONYM))

    def _sentence_phrases(self, words: Sequence[str]):
        """A sentence's n-grams and paraphrase-table entries, cached per sentence.

        Returns ``(grams, starts, lengths, ends, targets, tlens, tkeys)``: ``grams[n - 1, i]``
        hashes words ``i..i+n-1``; the table phrases found in the sentence, ordered by start then
        length, have their paraphrases (hash ``targets``, length ``tlens``, table order) at
        ``targets[ends[k - 1]:ends[k]]``; ``tkeys`` are the sentence's distinct n-gram hashes,
        sorted (for when the sentence is the side a paraphrase must occur in).
        """
        key = tuple(words)
        hit = self._phrase_cache.get(key)
        if hit is not None:
            return hit
        res = self.res
        grams = phrase_hashes(self.word_hashes(words), res.para_max_src_len)
        lengths, starts = np.nonzero(grams != 0)
        keys = grams[lengths, starts]
        tkeys = np.unique(keys)
        slot = np.searchsorted(res.para_src_hash, keys)
        ok = slot < len(res.para_src_hash)
        found = np.zeros(len(keys), dtype=bool)
        found[ok] = res.para_src_hash[slot[ok]] == keys[ok]
        sel = np.nonzero(found)[0]
        sel = sel[np.lexsort((lengths[sel], starts[sel]))]
        slot = slot[sel]
        lo = res.para_src_offsets[slot]
        sizes = res.para_src_offsets[slot + 1] - lo
        ends = np.cumsum(sizes)
        total = int(ends[-1]) if len(ends) else 0
        # every paraphrase of every found phrase, gathered in one array (table order kept)
        entry = np.repeat(lo - (ends - sizes), sizes) + np.arange(total)
        out = (grams, starts[sel], lengths[sel] + 1, ends, res.para_tgt_hash[entry],
               res.para_tgt_len[entry], tkeys)
        if len(self._phrase_cache) >= self.cache_size:
            self._phrase_cache.clear()
        self._phrase_cache[key] = out
        return out

    def _paraphrase(self, hyp, ref, per_ref) -> None:
        if not hyp or not ref:
            return
        hyp_info = self._sentence_phrases(hyp)
        ref_info = self._sentence_phrases(ref)
        # reference phrase -> paraphrase found in the hypothesis
        for j, n, i, tl in self._phrase_pairs(ref_info, hyp_info, len(hyp)):
            per_ref[j].append((j, n, i, tl, PARAPHRASE))
        # hypothesis phrase -> paraphrase found in the reference
        for i, n, j, tl in self._phrase_pairs(hyp_info, ref_info, len(ref)):
            per_ref[j].append((j, tl, i, n, PARAPHRASE))

    @staticmethod
    def _phrase_pairs(src_info, tgt_info, tgt_n):
        """(source start, source length, target start, target length) of every table entry whose
        phrase starts at a source position and whose paraphrase occurs in the target, in the
        order METEOR enumerates them: source position, phrase length, table order, target position.
        """
        _g, starts, lengths, ends, targets, tlens, _k = src_info
        tgt_grams, tkeys = tgt_info[0], tgt_info[6]
        if len(targets) == 0 or len(tkeys) == 0:
            return []
        pos = np.searchsorted(tkeys, targets)
        pos[pos == len(tkeys)] = 0
        hits = np.nonzero(tkeys[pos] == targets)[0]
        if len(hits) == 0:
            return []
        owner = np.searchsorted(ends, hits, side="right")
        out = []
        for h_idx, k in zip(hits.tolist(), owner.tolist()):
            tl = int(tlens[h_idx])
            if tl > tgt_grams.shape[0]:
                continue
            th = targets[h_idx]
            s, n = int(starts[k]), int(lengths[k])
            for i in np.nonzero(tgt_grams[tl - 1, : tgt_n - tl + 1] == th)[0].tolist():
                out.append((s, n, i, tl))
        return out


def _fixed_matches(per_ref: list[list[Match]], n_hyp: int, n_ref: int):
    """Candidates that are the only match of every word they cover (METEOR fixes these first)."""
    cov_h = [0] * n_hyp
    cov_r = [0] * n_ref
    for cands in per_ref:
        for (j, rl, i, hl, _m) in cands:
            for k in range(rl):
                cov_r[j + k] += 1
            for k in range(hl):
                cov_h[i + k] += 1
    fixed: list[Match | None] = [None] * n_ref
    used_h = 0
    used_r = 0
    for j, cands in enumerate(per_ref):
        if len(cands) != 1:
            continue
        m = cands[0]
        _, rl, i, hl, _mod = m
        if all(cov_r[j + k] == 1 for k in range(rl)) and all(cov_h[i + k] == 1 for k in range(hl)):
            fixed[j] = m
            for k in range(rl):
                used_r |= 1 << (j + k)
            for k in range(hl):
                used_h |= 1 << (i + k)
    return fixed, used_h, used_r


_SORT_KEY = itemgetter(0)


# The search ranks partial alignments by (-score, chunks, distance); the three are packed into
# one integer key K = -score * 2**128 + chunks * 2**64 + distance so that updates are additions
# and the sort compares single integers (same order as the tuple, for counts below 2**64).
_CHUNK = 1 << 64
_SCORE = 1 << 128


def _search_entry(m: Match, n_hyp: int):
    """A candidate with what the search needs precomputed: its words as one bit mask (hypothesis
    bits, then reference bits above ``n_hyp``), the key change of taking it (METEOR's truncated
    weighted count: w = 1 exact, 1/2 otherwise, and for an integer total t,
    int(t + n * 0.5) == t + n // 2), its hyp start, the new positions, its distance."""
    j, rl, i, hl, mod = m
    if SEARCH_WEIGHTS[mod] == 1.0:
        gain = hl + rl
    else:
        gain = hl // 2 + rl // 2
    span = (((1 << rl) - 1) << (j + n_hyp)) | (((1 << hl) - 1) << i)
    return (span, -gain * _SCORE, i, j + rl, i + hl, abs(j - i), m)


def beam_search_python(per_ref: list[list[Match]], n_hyp: int, n_ref: int, beam: int = BEAM_SIZE) -> list[Match]:
    """The best set of non-overlapping matches, as METEOR 1.5's ``Aligner.resolve`` finds it."""
    fixed, used_h0, used_r0 = _fixed_matches(per_ref, n_hyp, n_ref)
    entries = [[_search_entry(m, n_hyp) for m in cands] for cands in per_ref]
    fixed_entries = [None if m is None else _search_entry(m, n_hyp) for m in fixed]
    # path: (key, idx, last_end, used, chosen): ``used`` has a bit per hypothesis word then per
    # reference word, ``chosen`` is a linked list (match, rest). A stable sort on the key is
    # METEOR's PARTIAL_COMPARE_TOTAL ordering of partial alignments.
    paths = [(0, 0, -1, used_h0 | (used_r0 << n_hyp), None)]
    key = _SORT_KEY
    chunk = _CHUNK
    for current in range(n_ref):
        if len(paths) > 1:
            paths.sort(key=key)
            if len(paths) > beam:
                del paths[beam:]
        nxt = []
        add = nxt.append
        bit = 1 << (current + n_hyp)
        cands = entries[current]
        for path in paths:
            k, idx, last_end, used, chosen = path
            if used & bit:
                if current < idx:
                    add(path)
                    continue
                e = fixed_entries[idx]
                if e is None:
                    continue  # METEOR drops such a path
                if last_end != -1 and e[2] != last_end:
                    k += chunk
                add((k + e[1] + e[5], e[3], e[4], used, chosen))
                continue
            kc = k + chunk if last_end != -1 else k  # key of a new chunk
            for span, gain, start, idx2, end, dist, m in cands:
                if used & span:
                    continue
                add(((kc if start != last_end else k) + gain, idx2, end, used | span, (m, chosen)))
                # METEOR adds this candidate's distance to the *skipping* alternative
                k += dist
                kc += dist
            add((kc, idx + 1, -1, used, chosen))
        if not nxt:
            paths.sort(key=key)
            nxt.append(paths[0])
        paths = nxt
    # last step: close the open chunk of each of the best ``beam`` paths, then take the best
    paths.sort(key=key)
    del paths[beam:]
    paths = [p if p[2] == -1 else (p[0] + chunk,) + p[1:] for p in paths]
    paths.sort(key=key)
    best = paths[0]
    chosen = [m for m in fixed if m is not None]
    node = best[4]
    while node is not None:
        chosen.append(node[0])
        node = node[1]
    chosen.sort(key=itemgetter(0))
    return chosen


def beam_search_jit(per_ref: list[list[Match]], n_hyp: int, n_ref: int, beam: int = BEAM_SIZE) -> list[Match]:
    """:func:`beam_search_python` compiled with numba (same result); falls back to the Python
    search when the packed ranking key would not fit in 62 bits."""
    from cxrgen.metrics.meteor.search_jit import align_candidates

    flat = [m for cands in per_ref for m in cands]
    if not flat:
        return []
    cand_off = np.zeros(n_ref + 1, dtype=np.int64)
    np.cumsum([len(c) for c in per_ref], out=cand_off[1:])
    idx = align_candidates(np.array(flat, dtype=np.int64), cand_off, EXACT, n_hyp, n_ref, beam)
    if len(idx) == 1 and idx[0] == -1:
        return beam_search_python(per_ref, n_hyp, n_ref, beam)
    chosen = [flat[c] for c in idx.tolist()]
    chosen.sort(key=itemgetter(0))
    return chosen


#: numba present (the ``fast`` extra): the compiled search, else the Python one.
HAVE_JIT = importlib.util.find_spec("numba") is not None
beam_search = beam_search_jit if HAVE_JIT else beam_search_python

#: Below this many pairs to align, the Python search is used unless numba is already loaded:
#: importing numba and loading the cached compiled search cost ~0.5 s once per process, while the
#: Python search costs ~0.3 ms more per pair than the compiled one (590 IU pairs: Python 0.22 s
#: against 0.48 s load + 0.04 s compiled). Both give the same alignment, so this only moves time.
JIT_MIN_PAIRS = 1500


def choose_search(n_pairs: int):
    """The cheaper search for aligning ``n_pairs`` pairs in this process (same results)."""
    if not HAVE_JIT:
        return beam_search_python
    if n_pairs >= JIT_MIN_PAIRS or "cxrgen.metrics.meteor.search_jit" in sys.modules:
        return beam_search_jit
    return beam_search_python


def count_chunks(matches: Sequence[Match]) -> int:
    """Chunks of a set of matches sorted by reference start (``Aligner.getCountAndChunks``)."""
    chunks = 0
    last_end = -1
    prev_ref_end = None
    for (j, rl, i, hl, _m) in matches:
        if last_end != -1 and (j != prev_ref_end or i != last_end):
            chunks += 1
        prev_ref_end = j + rl
        last_end = i + hl
    if last_end != -1:
        chunks += 1
    return chunks


def align(matcher: Matcher, hyp: Sequence[str], ref: Sequence[str], beam: int = BEAM_SIZE,
          search=None) -> Alignment:
    """Align one pair; ``search`` is :func:`beam_search_python` or :func:`beam_search_jit`
    (default :data:`beam_search`), which give the same alignment."""
    per_ref = matcher.candidates(hyp, ref)
    matches = (search or beam_search)(per_ref, len(hyp), len(ref), beam)
    return Alignment(list(hyp), list(ref), matches, count_chunks(matches))

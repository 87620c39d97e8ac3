"""Statistics rows of many aligned pairs in one compiled call (numba, the ``fast`` extra).

:meth:`cxrgen.metrics.meteor.scorer.MeteorScorer.rows` on a large corpus spends most of its time
in Python per pair: candidate lists per stage, small NumPy calls, converting them for the
compiled search, counting the row. Here all of that runs compiled, for every pair in one loop,
on integer arrays prepared once per *text* (:mod:`cxrgen.metrics.meteor.corpus`): word ids,
stem ids, function-word flags, synset lists per word, the paraphrase-table phrases of each
text with their paraphrases, and each text's n-gram hashes sorted for look-up.

The candidates are generated stage by stage (exact, stem, synonym, paraphrase reference ->
hypothesis, paraphrase hypothesis -> reference), each in the order :class:`.align.Matcher`
lists them, then stably grouped by reference start: exactly ``Matcher.candidates``. The search
is :func:`.search_jit.align_candidates`, the row the one of ``MeteorScorer.row``; a pair whose
packed search key would overflow is flagged, and the caller aligns it in Python.
"""

from __future__ import annotations

import numba
import numpy as np

from cxrgen.metrics.meteor.search_jit import align_candidates

# module numbers and row columns (same values as align.py / scorer.py; numba needs them global)
_EXACT, _STEM, _SYNONYM, _PARAPHRASE = 0, 1, 2, 3
_TEST_CONTENT, _REF_CONTENT, _TEST_FUNCTION, _REF_FUNCTION = 4, 8, 12, 16
_N_COLS = 24


@numba.njit(cache=True)
def _push(buf, n, j, rl, i, hl, m):
    if n == buf.shape[0]:  # grow: reports with many repeated words have many exact candidates
        bigger = np.empty((2 * buf.shape[0], 5), np.int64)
        bigger[:n] = buf[:n]
        buf = bigger
    buf[n, 0] = j
    buf[n, 1] = rl
    buf[n, 2] = i
    buf[n, 3] = hl
    buf[n, 4] = m
    return buf, n + 1


@numba.njit(cache=True)
def _share_synset(ids, a0, a1, b0, b1):
    # two sorted synset-id lists intersect (merge walk)
    while a0 < a1 and b0 < b1:
        x = ids[a0]
        y = ids[b0]
        if x == y:
            return True
        if x < y:
            a0 += 1
        else:
            b0 += 1
    return False


#: Largest number of distinct words with synsets for which the word-pair synonym table
#: (``S x S`` booleans, 16 MB at this size) is built; above it, synset lists are intersected
#: pair by pair.
MAX_SYNONYM_TABLE = 4096


@numba.njit(cache=True)
def _synonym_table(w_syn_off, w_syn_ids, max_words):
    """``(rank, table)``: ``rank[w]`` numbers the words that have synsets (-1 otherwise) and
    ``table[rank[u], rank[v]]`` says whether u and v share one, built synset by synset from the
    inverted lists. An IU corpus has ~1,600 words, its pairs align ~3,000 times more word pairs
    than that, so looking the answer up beats merging two synset lists every time. Returns a
    0 x 0 table when there are more than ``max_words`` such words."""
    n_vocab = w_syn_off.shape[0] - 1
    rank = np.full(n_vocab, -1, np.int64)
    n_syn_words = 0
    for w in range(n_vocab):
        if w_syn_off[w + 1] > w_syn_off[w]:
            rank[w] = n_syn_words
            n_syn_words += 1
    if n_syn_words > max_words:
        return rank, np.zeros((0, 0), np.bool_)
    table = np.zeros((n_syn_words, n_syn_words), np.bool_)
    n = w_syn_ids.shape[0]
    owner = np.empty(n, np.int64)
    for w in range(n_vocab):
        for e in range(w_syn_off[w], w_syn_off[w + 1]):
            owner[e] = rank[w]
    order = np.argsort(w_syn_ids)
    g = 0
    while g < n:
        e = g + 1
        while e < n and w_syn_ids[order[e]] == w_syn_ids[order[g]]:
            e += 1
        for x in range(g, e):
            for y in range(g, e):
                table[owner[order[x]], owner[order[y]]] = True
        g = e
    return rank, table


@numba.njit(cache=True)
def _gram_filters(gs_off, gs_hash):
    """A 1,024-bit filter per text of its n-gram hashes (bit = top 10 bits of the hash). Most
    paraphrases of a text's phrases do not occur in the other text of a pair; the filter
    rejects ~80% of them with one load instead of a binary search."""
    n_texts = gs_off.shape[0] - 1
    filt = np.zeros((n_texts, 16), np.uint64)
    for t in range(n_texts):
        for g in range(gs_off[t], gs_off[t + 1]):
            b = gs_hash[g] >> np.uint64(54)
            filt[t, b >> np.uint64(6)] |= np.uint64(1) << (b & np.uint64(63))
    return filt


@numba.njit(cache=True)
def _lower_bound(keys, lo, hi, value):
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def _paraphrase_pairs(buf, n, src, tgt, ph_off, ph_start, ph_len, ph_toff, tg_hash, tg_len,
                      gs_off, gs_hash, gs_len, gs_pos, t_off, max_len, src_is_ref, filt):
    """Append a candidate for every table phrase of text ``src`` (by start, then length, then
    table order) whose paraphrase occurs in text ``tgt`` (by position): ``Matcher._phrase_pairs``."""
    lo_t = gs_off[tgt]
    hi_t = gs_off[tgt + 1]
    if lo_t == hi_t:
        return buf, n
    base_s = t_off[src]
    base_t = t_off[tgt]
    for k in range(ph_off[src], ph_off[src + 1]):
        s = ph_start[k] - base_s
        ln = ph_len[k]
        for t in range(ph_toff[k], ph_toff[k + 1]):
            tl = np.int64(tg_len[t])
            if tl > max_len:
                continue
            th = tg_hash[t]
            b = th >> np.uint64(54)
            if not (filt[tgt, b >> np.uint64(6)] >> (b & np.uint64(63))) & np.uint64(1):
                continue  # not among the target's n-grams
            g = _lower_bound(gs_hash, lo_t, hi_t, th)
            while g < hi_t and gs_hash[g] == th:
                if gs_len[g] == tl:  # sorted by (hash, length, position): positions ascending
                    pos = gs_pos[g] - base_t
                    if src_is_ref:
                        buf, n = _push(buf, n, s, ln, pos, tl, _PARAPHRASE)
                    else:
                        buf, n = _push(buf, n, pos, tl, s, ln, _PARAPHRASE)
                g += 1
    return buf, n


@numba.njit(cache=True)
def pair_rows(pair_h, pair_r, t_off, wid, sid, func, w_syn_off, w_syn_ids,
              ph_off, ph_start, ph_len, ph_toff, tg_hash, tg_len,
              gs_off, gs_hash, gs_len, gs_pos, max_len, use_stem, use_syn, use_para, beam,
              max_syn_table):
    """Rows (``MeteorScorer.row``) of pairs of texts ``(pair_h[p], pair_r[p])``, and a flag per
    pair whose search must be redone in Python (packed key overflow)."""
    n_pairs = pair_h.shape[0]
    out = np.zeros((n_pairs, _N_COLS))
    failed = np.zeros(n_pairs, np.bool_)
    buf = np.empty((256, 5), np.int64)
    syn_rank, syn_table = _synonym_table(w_syn_off, w_syn_ids, max_syn_table)
    use_table = syn_table.shape[0] > 0
    filt = _gram_filters(gs_off, gs_hash)
    for p in range(n_pairs):
        a = pair_h[p]
        b = pair_r[p]
        h0 = t_off[a]
        nh = t_off[a + 1] - h0
        r0 = t_off[b]
        nr = t_off[b + 1] - r0
        row = out[p]
        row[0] = nh
        row[1] = nr
        for i in range(nh):
            row[2] += func[h0 + i]
        for j in range(nr):
            row[3] += func[r0 + j]
        identical = nh == nr
        if identical:
            for i in range(nh):
                if wid[h0 + i] != wid[r0 + i]:
                    identical = False
                    break
        n = 0
        # exact, then (different words) stem, synonym: each by reference position, then hyp position
        for j in range(nr):
            w = wid[r0 + j]
            for i in range(nh):
                if wid[h0 + i] == w:
                    buf, n = _push(buf, n, j, 1, i, 1, _EXACT)
        if use_stem and not identical:
            for j in range(nr):
                w = wid[r0 + j]
                st = sid[r0 + j]
                for i in range(nh):
                    if sid[h0 + i] == st and wid[h0 + i] != w:
                        buf, n = _push(buf, n, j, 1, i, 1, _STEM)
        if use_syn and not identical:
            for j in range(nr):
                w = wid[r0 + j]
                a0 = w_syn_off[w]
                a1 = w_syn_off[w + 1]
                if a0 == a1:
                    continue
                if use_table:
                    rw = syn_rank[w]
                    for i in range(nh):
                        v = wid[h0 + i]
                        rv = syn_rank[v]
                        if v != w and rv >= 0 and syn_table[rw, rv]:
                            buf, n = _push(buf, n, j, 1, i, 1, _SYNONYM)
                    continue
                for i in range(nh):
                    v = wid[h0 + i]
                    if v != w and _share_synset(w_syn_ids, a0, a1, w_syn_off[v], w_syn_off[v + 1]):
                        buf, n = _push(buf, n, j, 1, i, 1, _SYNONYM)
        if use_para and not identical and nh > 0 and nr > 0:
            buf, n = _paraphrase_pairs(buf, n, b, a, ph_off, ph_start, ph_len, ph_toff, tg_hash,
                                       tg_len, gs_off, gs_hash, gs_len, gs_pos, t_off, max_len, True, filt)
            buf, n = _paraphrase_pairs(buf, n, a, b, ph_off, ph_start, ph_len, ph_toff, tg_hash,
                                       tg_len, gs_off, gs_hash, gs_len, gs_pos, t_off, max_len, False, filt)
        if n == 0:
            continue  # no match: zero counts and chunks
        # group by reference start, keeping the stage order inside a group (stable counting sort)
        cand_off = np.zeros(nr + 1, np.int64)
        for c in range(n):
            cand_off[buf[c, 0] + 1] += 1
        for j in range(nr):
            cand_off[j + 1] += cand_off[j]
        fill = cand_off[:nr].copy()
        cands = np.empty((n, 5), np.int64)
        for c in range(n):
            j = buf[c, 0]
            cands[fill[j]] = buf[c]
            fill[j] += 1
        chosen = align_candidates(cands, cand_off, _EXACT, nh, nr, beam)
        if chosen.shape[0] == 1 and chosen[0] == -1:
            failed[p] = True
            continue
        # matches in reference order (they cover distinct reference words)
        starts = np.empty(chosen.shape[0], np.int64)
        for q in range(chosen.shape[0]):
            starts[q] = cands[chosen[q], 0]
        order = np.argsort(starts)
        chunks = 0
        last_end = -1
        prev_ref_end = -1
        for q in range(order.shape[0]):
            c = chosen[order[q]]
            j = cands[c, 0]
            rl = cands[c, 1]
            i = cands[c, 2]
            hl = cands[c, 3]
            m = cands[c, 4]
            for k in range(i, i + hl):
                row[(_TEST_FUNCTION if func[h0 + k] else _TEST_CONTENT) + m] += 1
            for k in range(j, j + rl):
                row[(_REF_FUNCTION if func[r0 + k] else _REF_CONTENT) + m] += 1
            if last_end != -1 and (j != prev_ref_end or i != last_end):
                chunks += 1
            prev_ref_end = j + rl
            last_end = i + hl
        if last_end != -1:
            chunks += 1
        test_words = 0.0
        ref_words = 0.0
        for m in range(4):
            test_words += row[_TEST_CONTENT + m] + row[_TEST_FUNCTION + m]
            ref_words += row[_REF_CONTENT + m] + row[_REF_FUNCTION + m]
        row[20] = chunks
        row[21] = test_words
        row[22] = ref_words
        perfect = test_words == nh and ref_words == nr and chunks == 1
        row[23] = 0 if perfect else chunks
    return out, failed

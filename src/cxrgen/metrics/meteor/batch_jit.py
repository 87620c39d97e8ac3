"""Statistics rows of many aligned pairs, compiled (numba, the ``fast`` extra).

:meth:`cxrgen.metrics.meteor.scorer.MeteorScorer.rows` on a large corpus spent most of its time
in Python per pair: candidate lists per stage, small NumPy calls, converting them for the
compiled search, counting the row. Here candidate generation and counting run compiled, for
every pair in one loop each, on integer arrays prepared once per *text*
(:mod:`cxrgen.metrics.meteor.corpus`): word ids, stem ids, function-word flags, synset lists per
word, the paraphrase-table phrases of each text with their paraphrases, and each text's n-gram
hashes sorted for look-up.

The candidates are generated stage by stage (exact, stem, synonym, paraphrase reference ->
hypothesis, paraphrase hypothesis -> reference), each in the order :class:`.align.Matcher`
lists them, then stably grouped by reference start: exactly ``Matcher.candidates``. The search
between the two loops is :func:`.search_jit.align_candidates`, called by the caller pair by pair
(a few microseconds each) rather than from here: numba would compile it again into this module
(~15 s on first use) and would not notice later edits of search_jit.py in its cache of this one.
"""

from __future__ import annotations

import numba
import numpy as np


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
def _synonym_table(w_syn_off, w_syn_ids, by_synset, max_words):
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
    order = by_synset  # np.argsort(w_syn_ids), done by the caller (numba's sort compiles slowly)
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
                      gs_off, gs_hash, gs_len, gs_pos, t_off, max_len, src_is_ref, filt, module):
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
                        buf, n = _push(buf, n, s, ln, pos, tl, module)
                    else:
                        buf, n = _push(buf, n, pos, tl, s, ln, module)
                g += 1
    return buf, n


@numba.njit(cache=True)
def pair_candidates(pair_h, pair_r, t_off, wid, sid, func, w_syn_off, w_syn_ids,
                    ph_off, ph_start, ph_len, ph_toff, tg_hash, tg_len,
                    gs_off, gs_hash, gs_len, gs_pos, max_len, use_stem, use_syn, use_para,
                    by_synset, max_syn_table):
    """Candidates of pairs of texts ``(pair_h[p], pair_r[p])``, as ``Matcher.candidates`` lists
    them: ``cands[c_start[p]:c_start[p + 1]]`` (rows ref start, ref length, hyp start, hyp
    length, module; grouped by reference start) with the group offsets
    ``off[o_start[p]:o_start[p + 1]]`` (relative to the pair's first candidate); and the rows
    with what does not depend on the alignment (lengths, function words) filled in."""
    n_pairs = pair_h.shape[0]
    out = np.zeros((n_pairs, _N_COLS))
    buf = np.empty((256, 5), np.int64)
    all_cands = np.empty((max(1024, 16 * n_pairs), 5), np.int64)
    n_all = 0
    c_start = np.zeros(n_pairs + 1, np.int64)
    o_start = np.zeros(n_pairs + 1, np.int64)
    for p in range(n_pairs):
        o_start[p + 1] = o_start[p] + t_off[pair_r[p] + 1] - t_off[pair_r[p]] + 1
    off = np.zeros(o_start[n_pairs], np.int64)
    syn_rank, syn_table = _synonym_table(w_syn_off, w_syn_ids, by_synset, max_syn_table)
    use_table = syn_table.shape[0] > 0
    filt = _gram_filters(gs_off, gs_hash)
    # typed (not literal) constants: numba compiles a callee once per argument-type signature,
    # and a literal 0 or True is a type of its own; with these, each callee is compiled once
    one = np.int64(1)
    exact = np.int64(_EXACT)
    stem = np.int64(_STEM)
    synonym = np.int64(_SYNONYM)
    para = np.int64(_PARAPHRASE)
    ref_side = np.bool_(True)
    hyp_side = np.bool_(False)
    for p in range(n_pairs):
        c_start[p + 1] = n_all
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
        n = np.int64(0)
        # exact, then (different words) stem, synonym: each by reference position, then hyp position
        for j in range(nr):
            w = wid[r0 + j]
            for i in range(nh):
                if wid[h0 + i] == w:
                    buf, n = _push(buf, n, j, one, i, one, exact)
        if use_stem and not identical:
            for j in range(nr):
                w = wid[r0 + j]
                st = sid[r0 + j]
                for i in range(nh):
                    if sid[h0 + i] == st and wid[h0 + i] != w:
                        buf, n = _push(buf, n, j, one, i, one, stem)
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
                            buf, n = _push(buf, n, j, one, i, one, synonym)
                    continue
                for i in range(nh):
                    v = wid[h0 + i]
                    if v != w and _share_synset(w_syn_ids, a0, a1, w_syn_off[v], w_syn_off[v + 1]):
                        buf, n = _push(buf, n, j, one, i, one, synonym)
        if use_para and not identical and nh > 0 and nr > 0:
            buf, n = _paraphrase_pairs(buf, n, b, a, ph_off, ph_start, ph_len, ph_toff, tg_hash,
                                       tg_len, gs_off, gs_hash, gs_len, gs_pos, t_off, max_len, ref_side, filt, para)
            buf, n = _paraphrase_pairs(buf, n, a, b, ph_off, ph_start, ph_len, ph_toff, tg_hash,
                                       tg_len, gs_off, gs_hash, gs_len, gs_pos, t_off, max_len, hyp_side, filt, para)
        # group by reference start, keeping the stage order inside a group (stable counting sort)
        cand_off = off[o_start[p]:o_start[p + 1]]
        for c in range(n):
            cand_off[buf[c, 0] + 1] += 1
        for j in range(nr):
            cand_off[j + 1] += cand_off[j]
        if n_all + n > all_cands.shape[0]:
            bigger = np.empty((2 * (n_all + n), 5), np.int64)
            bigger[:n_all] = all_cands[:n_all]
            all_cands = bigger
        fill = cand_off[:nr].copy()
        for c in range(n):
            j = buf[c, 0]
            all_cands[n_all + fill[j]] = buf[c]
            fill[j] += 1
        n_all += n
        c_start[p + 1] = n_all
    return all_cands[:n_all].copy(), c_start, off, o_start, out


@numba.njit(cache=True)
def pair_counts(out, cands, c_start, chosen, ch_start, pair_h, pair_r, t_off, func):
    """Fill the alignment's columns of each row (``MeteorScorer.row``): matched words per side,
    module and word class, chunks; ``chosen[ch_start[p]:ch_start[p + 1]]`` are the pair's
    chosen candidates (indices relative to ``c_start[p]``, any order)."""
    for p in range(out.shape[0]):
        q0 = ch_start[p]
        q1 = ch_start[p + 1]
        if q0 == q1:
            continue  # no match: zero counts and chunks
        base = c_start[p]
        h0 = t_off[pair_h[p]]
        r0 = t_off[pair_r[p]]
        nh = t_off[pair_h[p] + 1] - h0
        nr = t_off[pair_r[p] + 1] - r0
        row = out[p]
        # matches in reference order (they cover distinct reference words)
        starts = np.empty(q1 - q0, np.int64)
        for q in range(q0, q1):
            starts[q - q0] = cands[base + chosen[q], 0]
        # a few dozen matches: insertion sort (numba compiles np.argsort slowly, ~3 s)
        order = np.arange(q1 - q0)
        for x in range(1, q1 - q0):
            y = x
            while y > 0 and starts[order[y - 1]] > starts[order[y]]:
                order[y - 1], order[y] = order[y], order[y - 1]
                y -= 1
        # word counts per stage and chunks in one pass; the chunk rule is align.count_chunks's
        # (a compiled loop cannot call it; the parity tests hold the two paths equal)
        chunks = 0
        last_end = -1
        prev_ref_end = -1
        for q in range(order.shape[0]):
            c = base + chosen[q0 + order[q]]
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

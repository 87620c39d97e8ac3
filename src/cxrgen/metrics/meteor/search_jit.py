"""The beam search of :func:`cxrgen.metrics.meteor.align.beam_search`, compiled with numba.

Same algorithm, same order of operations, same ties (stable sorts), so the same alignment; only
the representation differs: partial alignments are rows of arrays, their used words are bit
masks of ``W`` 64-bit words, their chosen matches a parent-pointer arena. The three ranking
fields are packed into one int64 whose bit widths are bounded beforehand (``pack_widths``);
when a sentence pair is too large for that, the caller uses the Python search.

Loaded only when numba is installed (the ``fast`` extra); tests compare it with the Python
search on real reports (tests/metrics/test_meteor.py).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _pack(neg_score, chunks, dist, off_s, bits_c, bits_d):
    return ((neg_score + off_s) << (bits_c + bits_d)) | (chunks << bits_d) | dist


@numba.njit(cache=True)
def align_candidates(cands, cand_off, exact_module, n_hyp, n_ref, beam):
    """Chosen candidate indices (fixed ones included, unsorted), or ``[-1]`` when the packed key
    would overflow (the caller then runs the Python search).

    cands: (n_cand, 5) int64 rows (ref start, ref length, hyp start, hyp length, module) listed
    by reference start; cand_off: (n_ref + 1,) offsets of each reference position's candidates.
    """
    n_cand = cands.shape[0]
    n_words = (n_hyp + n_ref + 63) // 64
    c_j = cands[:, 0].copy()
    c_rl = cands[:, 1].copy()
    c_i = cands[:, 2].copy()
    c_hl = cands[:, 3].copy()
    c_gain = np.empty(n_cand, np.int64)
    c_dist = np.empty(n_cand, np.int64)
    c_span = np.zeros((n_cand, n_words), np.uint64)
    cov_h = np.zeros(n_hyp, np.int64)
    cov_r = np.zeros(n_ref, np.int64)
    for c in range(n_cand):
        if cands[c, 4] == exact_module:
            c_gain[c] = c_hl[c] + c_rl[c]
        else:  # weight 1/2, truncated as METEOR's int totals do
            c_gain[c] = c_hl[c] // 2 + c_rl[c] // 2
        c_dist[c] = abs(c_j[c] - c_i[c])
        for k in range(c_rl[c]):
            b = n_hyp + c_j[c] + k
            c_span[c, b >> 6] |= np.uint64(1) << np.uint64(b & 63)
            cov_r[c_j[c] + k] += 1
        for k in range(c_hl[c]):
            b = c_i[c] + k
            c_span[c, b >> 6] |= np.uint64(1) << np.uint64(b & 63)
            cov_h[c_i[c] + k] += 1
    # fixed: the only candidate of every word it covers
    fixed = np.full(n_ref, -1, np.int64)
    init_used = np.zeros(n_words, np.uint64)
    n_fixed = 0
    for j in range(n_ref):
        if cand_off[j + 1] - cand_off[j] != 1:
            continue
        c = cand_off[j]
        ok = True
        for k in range(c_rl[c]):
            if cov_r[j + k] != 1:
                ok = False
        for k in range(c_hl[c]):
            if cov_h[c_i[c] + k] != 1:
                ok = False
        if ok:
            fixed[j] = c
            n_fixed += 1
            for w in range(n_words):
                init_used[w] |= c_span[c, w]
    # bit widths of the packed key (-score, chunks, distance): each bounded by its total
    off_s = c_gain.sum() + 1
    bits_s = 0
    x = 2 * off_s
    while x > 0:
        bits_s += 1
        x >>= 1
    bits_c = 0
    x = n_ref + 2
    while x > 0:
        bits_c += 1
        x >>= 1
    bits_d = 0
    x = c_dist.sum() + 1
    while x > 0:
        bits_d += 1
        x >>= 1
    if bits_s + bits_c + bits_d > 62:
        return np.full(1, -1, np.int64)
    chosen = search(cand_off, c_j, c_rl, c_i, c_hl, c_gain, c_dist, c_span, fixed, init_used,
                    n_hyp, n_ref, beam, off_s, bits_c, bits_d)
    out = np.empty(n_fixed + chosen.shape[0], np.int64)
    r = 0
    for j in range(n_ref):
        if fixed[j] >= 0:
            out[r] = fixed[j]
            r += 1
    out[r:] = chosen
    return out


@numba.njit(cache=True)
def search(cand_off, c_j, c_rl, c_i, c_hl, c_gain, c_dist, c_span, fixed, init_used,
           n_hyp, n_ref, beam, off_s, bits_c, bits_d):
    """Indices of the chosen candidates (fixed ones excluded) of METEOR 1.5's beam search.

    cand_off: (n_ref + 1,) CSR offsets of the candidates of each reference position;
    c_*: per candidate ref start, ref length, hyp start, hyp length, search gain, distance;
    c_span: (n_cand, W) uint64 masks of the words a candidate uses (hyp bits, then ref bits);
    fixed: (n_ref,) candidate index of the fixed match starting there, or -1.
    """
    n_words = init_used.shape[0]
    max_k = 0
    for j in range(n_ref):
        k = cand_off[j + 1] - cand_off[j]
        if k > max_k:
            max_k = k
    cap = beam * (max_k + 1) + 1
    # current paths (after truncation) and next paths
    s_neg = np.zeros(cap, np.int64)
    s_ch = np.zeros(cap, np.int64)
    s_d = np.zeros(cap, np.int64)
    s_idx = np.zeros(cap, np.int64)
    s_last = np.zeros(cap, np.int64)
    s_node = np.zeros(cap, np.int64)
    s_used = np.zeros((cap, n_words), np.uint64)
    t_neg = np.zeros(cap, np.int64)
    t_ch = np.zeros(cap, np.int64)
    t_d = np.zeros(cap, np.int64)
    t_idx = np.zeros(cap, np.int64)
    t_last = np.zeros(cap, np.int64)
    t_node = np.zeros(cap, np.int64)
    t_used = np.zeros((cap, n_words), np.uint64)
    keys = np.zeros(cap, np.int64)
    # chosen-match arena: node -> (candidate, parent)
    arena_cap = n_ref * cap + 1
    node_cand = np.empty(arena_cap, np.int64)
    node_parent = np.empty(arena_cap, np.int64)
    n_nodes = 0

    n_paths = 1
    t_neg[0] = 0
    t_ch[0] = 0
    t_d[0] = 0
    t_idx[0] = 0
    t_last[0] = -1
    t_node[0] = -1
    t_used[0, :] = init_used

    for current in range(n_ref):
        # sort (stable) and keep the best ``beam``; copy into s_*
        for p in range(n_paths):
            keys[p] = _pack(t_neg[p], t_ch[p], t_d[p], off_s, bits_c, bits_d)
        if n_paths > 1:
            order = np.argsort(keys[:n_paths], kind="mergesort")
        else:
            order = np.zeros(1, np.int64)
        n_keep = min(n_paths, beam)
        for r in range(n_keep):
            p = order[r]
            s_neg[r] = t_neg[p]
            s_ch[r] = t_ch[p]
            s_d[r] = t_d[p]
            s_idx[r] = t_idx[p]
            s_last[r] = t_last[p]
            s_node[r] = t_node[p]
            s_used[r, :] = t_used[p, :]
        cur_word = (n_hyp + current) >> 6
        cur_bit = np.uint64(1) << np.uint64((n_hyp + current) & 63)
        n_next = 0
        for r in range(n_keep):
            neg = s_neg[r]
            ch = s_ch[r]
            dist = s_d[r]
            idx = s_idx[r]
            last = s_last[r]
            if s_used[r, cur_word] & cur_bit:
                if current < idx:
                    t_neg[n_next] = neg
                    t_ch[n_next] = ch
                    t_d[n_next] = dist
                    t_idx[n_next] = idx
                    t_last[n_next] = last
                    t_node[n_next] = s_node[r]
                    t_used[n_next, :] = s_used[r, :]
                    n_next += 1
                    continue
                f = fixed[idx]
                if f < 0:
                    continue  # METEOR drops such a path
                if last != -1 and c_i[f] != last:
                    ch += 1
                t_neg[n_next] = neg - c_gain[f]
                t_ch[n_next] = ch
                t_d[n_next] = dist + c_dist[f]
                t_idx[n_next] = c_j[f] + c_rl[f]
                t_last[n_next] = c_i[f] + c_hl[f]
                t_node[n_next] = s_node[r]
                t_used[n_next, :] = s_used[r, :]
                n_next += 1
                continue
            for c in range(cand_off[current], cand_off[current + 1]):
                clash = False
                for w in range(n_words):
                    if s_used[r, w] & c_span[c, w]:
                        clash = True
                        break
                if clash:
                    continue
                nch = ch
                if last != -1 and c_i[c] != last:
                    nch += 1
                node_cand[n_nodes] = c
                node_parent[n_nodes] = s_node[r]
                t_neg[n_next] = neg - c_gain[c]
                t_ch[n_next] = nch
                t_d[n_next] = dist
                t_idx[n_next] = c_j[c] + c_rl[c]
                t_last[n_next] = c_i[c] + c_hl[c]
                t_node[n_next] = n_nodes
                for w in range(n_words):
                    t_used[n_next, w] = s_used[r, w] | c_span[c, w]
                n_nodes += 1
                n_next += 1
                # METEOR adds this candidate's distance to the *skipping* alternative
                dist += c_dist[c]
            t_neg[n_next] = neg
            t_ch[n_next] = ch + 1 if last != -1 else ch
            t_d[n_next] = dist
            t_idx[n_next] = idx + 1
            t_last[n_next] = -1
            t_node[n_next] = s_node[r]
            t_used[n_next, :] = s_used[r, :]
            n_next += 1
        if n_next == 0:
            # s_* row 0 is the best path of this step (already sorted)
            t_neg[0] = s_neg[0]
            t_ch[0] = s_ch[0]
            t_d[0] = s_d[0]
            t_idx[0] = s_idx[0]
            t_last[0] = s_last[0]
            t_node[0] = s_node[0]
            t_used[0, :] = s_used[0, :]
            n_next = 1
        n_paths = n_next

    # last step: best ``beam`` paths, close open chunks, best of them
    for p in range(n_paths):
        keys[p] = _pack(t_neg[p], t_ch[p], t_d[p], off_s, bits_c, bits_d)
    order = np.argsort(keys[:n_paths], kind="mergesort")
    n_keep = min(n_paths, beam)
    best = order[0]
    best_key = np.int64(0)
    for r in range(n_keep):
        p = order[r]
        ch = t_ch[p] + 1 if t_last[p] != -1 else t_ch[p]
        k = _pack(t_neg[p], ch, t_d[p], off_s, bits_c, bits_d)
        if r == 0 or k < best_key:  # strict: the first of equal keys wins (stable)
            best_key = k
            best = p
    out = []
    node = t_node[best]
    while node != -1:
        out.append(node_cand[node])
        node = node_parent[node]
    return np.array(out, dtype=np.int64)

"""Beam search over a step function, batched over studies (K hypotheses per study).

Scores are sums of log-probabilities; a finished hypothesis of n tokens (words + eos) is ranked by
``score / n ** length_penalty`` (``length_penalty=0``: raw sum, R2Gen's setting — its beam search,
taken from Luo's ImageCaptioning.pytorch, has no length penalty by default and blocks repeated
trigrams). A study stops once it has K finished hypotheses and no alive one can still beat the
worst of them (an exact bound, not a heuristic, so the result does not depend on when we stop).

With the same step function, beam search is deterministic; the model's cached step (keys / values
and recurrent memory carried in ``state``) and its uncached step (prefix recomputed) give the same
hypotheses, which ``tests/decoding/test_cache_equivalence.py`` checks.
"""

from __future__ import annotations

from typing import Any

import torch

from cxrgen.decoding.state import StepFunction, blocked_trigram_mask, expand_state, reorder_state

NEG_INF = float("-inf")


@torch.no_grad()
def beam_search(
    step: StepFunction,
    state: Any,
    batch_size: int,
    *,
    bos: int,
    eos: int,
    pad: int,
    device: torch.device | str = "cpu",
    beam_size: int = 3,
    max_len: int = 60,
    min_len: int = 1,
    length_penalty: float = 0.0,
    block_trigrams: bool = True,
    banned: tuple[int, ...] = (),
) -> list[list[int]]:
    """Best hypothesis per study, as token ids without bos / eos / pad.

    ``state`` holds one row per study; it is expanded to ``beam_size`` rows here. ``max_len``
    counts words (eos is forced after ``max_len`` words); eos is not allowed before ``min_len``.
    """
    B, K = batch_size, beam_size
    state = expand_state(state, K)
    tokens = torch.full((B * K, 1), bos, dtype=torch.long, device=device)
    scores = torch.zeros(B, K, device=device)
    scores[:, 1:] = NEG_INF  # all beams start identical: expand only the first one
    offsets = torch.arange(B, device=device)[:, None] * K
    rank = torch.arange(2 * K, device=device)
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(B)]
    done = [False] * B

    for t in range(max_len + 1):
        log_probs, state = step(tokens, state)  # (B*K, V)
        lp = log_probs.float().clone()
        V = lp.shape[1]
        lp[:, [pad, bos, *banned]] = NEG_INF
        if t < min_len:
            lp[:, eos] = NEG_INF
        if t == max_len:  # length limit reached: the only move left is eos
            keep = lp[:, eos].clone()
            lp.fill_(NEG_INF)
            lp[:, eos] = keep
        if block_trigrams:
            lp[blocked_trigram_mask(tokens[:, 1:], V)] = NEG_INF

        candidates = (scores.view(-1, 1) + lp).view(B, K * V)
        top_scores, top_idx = candidates.topk(2 * K, dim=1)  # (B, 2K): at most K of them are eos
        beam_idx, tok = top_idx // V, top_idx % V
        is_eos = tok == eos
        finite = torch.isfinite(top_scores)

        # hypotheses that end here (only eos ranked among the K best counts, as in HF / fairseq)
        for b, j in (is_eos & finite & (rank < K)).nonzero().tolist():
            if done[b]:
                continue
            row = b * K + int(beam_idx[b, j])
            words = tokens[row, 1:].tolist()
            norm = float(top_scores[b, j]) / ((len(words) + 1) ** length_penalty)
            finished[b].append((norm, words))
            finished[b].sort(key=lambda h: -h[0])
            del finished[b][K:]

        # the K best continuations that do not end become the new beams
        order = ((is_eos | ~finite).long() * 2 * K + rank).argsort(dim=1)[:, :K]
        new_scores = top_scores.gather(1, order)
        new_beam = beam_idx.gather(1, order)
        new_tok = tok.gather(1, order)
        new_scores = torch.where(is_eos.gather(1, order), torch.full_like(new_scores, NEG_INF), new_scores)
        index = (offsets + new_beam).view(-1)
        tokens = torch.cat([tokens.index_select(0, index), new_tok.view(-1, 1)], 1)
        state = reorder_state(state, index)
        scores = new_scores

        for b in range(B):
            if done[b] or len(finished[b]) < K:
                continue
            best_alive = float(scores[b].max())
            longest = max_len + 1 if length_penalty > 0 else t + 2
            bound = best_alive / (longest ** length_penalty) if best_alive != NEG_INF else NEG_INF
            if bound <= finished[b][-1][0]:
                done[b] = True
        if all(done):
            break

    return [hyps[0][1] if hyps else [] for hyps in finished]

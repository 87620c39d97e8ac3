"""Greedy decoding over a step function, batched over studies."""

from __future__ import annotations

from typing import Any

import torch

from cxrgen.decoding.state import StepFunction, blocked_trigram_mask


@torch.no_grad()
def greedy_search(
    step: StepFunction,
    state: Any,
    batch_size: int,
    *,
    bos: int,
    eos: int,
    pad: int,
    device: torch.device | str = "cpu",
    max_len: int = 60,
    min_len: int = 1,
    block_trigrams: bool = False,
    banned: tuple[int, ...] = (),
) -> list[list[int]]:
    """Pick the most probable token at each step; returns token ids without bos / eos / pad.

    ``max_len`` counts words (the eos that may follow is not counted); ``min_len`` words come before
    eos is allowed. ``banned`` ids (bos, pad, unk...) are never produced.
    """
    tokens = torch.full((batch_size, 1), bos, dtype=torch.long, device=device)
    alive = torch.ones(batch_size, dtype=torch.bool, device=device)
    for t in range(max_len):
        log_probs, state = step(tokens, state)
        log_probs = log_probs.float().clone()
        log_probs[:, [pad, bos, *banned]] = float("-inf")
        if t < min_len:
            log_probs[:, eos] = float("-inf")
        if block_trigrams:
            log_probs[blocked_trigram_mask(tokens[:, 1:], log_probs.shape[1])] = float("-inf")
        nxt = log_probs.argmax(-1)
        nxt = torch.where(alive, nxt, torch.full_like(nxt, pad))
        tokens = torch.cat([tokens, nxt[:, None]], 1)
        alive &= nxt != eos
        if not alive.any():
            break
    out = []
    for row in tokens[:, 1:].tolist():
        words = []
        for tok in row:
            if tok in (eos, pad):
                break
            words.append(tok)
        out.append(words)
    return out

"""Decoder state helpers: a state is any nest of dicts / lists / tuples of tensors whose dim 0 is
the hypothesis (batch x beam); anything that is not a tensor (a step counter) is carried as is."""

from __future__ import annotations

from typing import Any, Callable, Protocol

import torch


class StepFunction(Protocol):
    """``step(tokens (N, t) long, state) -> (log_probs (N, vocab) float, new_state)``.

    ``tokens`` is the whole prefix, ``bos`` first. A cached step reads only ``tokens[:, -1]`` and
    its state (keys / values, recurrent memory); an uncached one recomputes from the prefix.
    """

    def __call__(self, tokens: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]: ...


def map_state(state: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    if isinstance(state, torch.Tensor):
        return fn(state)
    if isinstance(state, dict):
        return {k: map_state(v, fn) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(map_state(v, fn) for v in state)
    return state


STATIC = "static"  # state entries that are the same for every beam of a study (the encoded image)


def reorder_state(state: Any, index: torch.Tensor) -> Any:
    """Keep / repeat the hypotheses ``index`` (N',) of every tensor in ``state``.

    Beam search only ever reorders the beams *within* a study, so entries under the top-level key
    ``"static"`` (identical for the K beams of a study, e.g. the visual memory and its projected
    keys / values) are left in place instead of being copied at every step.
    """
    if isinstance(state, dict) and STATIC in state:
        rest = {k: v for k, v in state.items() if k != STATIC}
        return {STATIC: state[STATIC], **map_state(rest, lambda t: t.index_select(0, index))}
    return map_state(state, lambda t: t.index_select(0, index))


def expand_state(state: Any, beam_size: int) -> Any:
    """Repeat each study's rows ``beam_size`` times: row b*K + k is beam k of study b."""
    def expand(t: torch.Tensor) -> torch.Tensor:
        return t.repeat_interleave(beam_size, dim=0)
    return map_state(state, expand)


def blocked_trigram_mask(tokens: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """(N, vocab) bool: True where the next token would repeat a trigram already in the hypothesis.

    ``tokens`` (N, t) is the prefix without ``bos``. Blocking repeated trigrams is the
    ``block_trigrams`` option of R2Gen's beam search (from Luo's ImageCaptioning.pytorch).
    """
    N, t = tokens.shape
    mask = torch.zeros(N, vocab_size, dtype=torch.int8, device=tokens.device)
    if t < 3:
        return mask.bool()
    # a trigram (a, b, c) at i is blocked when (a, b) equals the last two tokens
    same = (tokens[:, :-2] == tokens[:, -2:-1]) & (tokens[:, 1:-1] == tokens[:, -1:])  # (N, t-2)
    mask.scatter_reduce_(1, tokens[:, 2:], same.to(torch.int8), reduce="amax")
    return mask.bool()

"""The finished hypotheses of a beam search, kept on the device as tensors (no per-study Python).

Per study, the ``K`` best finished hypotheses so far, best first: their normalised scores, their
words (padded) and lengths. Adding the hypotheses that end at a step is one stable sort of the
``K`` kept and the ``2K`` new candidates, so ties keep the earlier hypothesis, then the better
ranked candidate (the order of the list-based search this replaces).
"""

from __future__ import annotations

import torch

NEG_INF = float("-inf")


class FinishedHypotheses:
    """``scores`` (n, K) normalised, descending (-inf = empty), ``words`` (n, K, max_len), ``lengths`` (n, K)."""

    def __init__(self, n: int, beam_size: int, max_len: int, pad: int, device: torch.device | str):
        self.K, self.max_len, self.pad = beam_size, max_len, pad
        self.scores = torch.full((n, beam_size), NEG_INF, device=device)
        self.words = torch.full((n, beam_size, max(1, max_len)), pad, dtype=torch.long, device=device)
        self.lengths = torch.zeros(n, beam_size, dtype=torch.long, device=device)

    def add(self, cand_scores: torch.Tensor, prefixes: torch.Tensor, beam_idx: torch.Tensor,
            last: torch.Tensor | None = None) -> None:
        """Candidates (n, C) with scores (-inf = not ending here), taken from beam ``beam_idx``
        (n, C) whose words are ``prefixes`` (n, K, t) (the prefix without bos); ``last`` (n, C):
        the token each candidate ends with when it is a word, ``pad`` where it is eos (R2Gen's rule
        ends every beam at the length limit, with or without eos)."""
        n, K2 = cand_scores.shape
        t = prefixes.shape[2]
        words = prefixes.gather(1, beam_idx[:, :, None].expand(n, K2, t))  # (n, C, t)
        lengths = self.lengths.new_full((n, K2), t)
        if last is not None:
            words, t = torch.cat([words, last[:, :, None]], 2), t + 1
            lengths = lengths + (last != self.pad).long()
        if t < self.words.shape[2]:
            words = torch.cat([words, words.new_full((n, K2, self.words.shape[2] - t), self.pad)], 2)
        scores = torch.cat([self.scores, cand_scores], 1)  # (n, 3K)
        order = scores.sort(dim=1, descending=True, stable=True).indices[:, : self.K]
        self.scores = scores.gather(1, order)
        all_words = torch.cat([self.words, words], 1)
        self.words = all_words.gather(1, order[:, :, None].expand(-1, -1, all_words.shape[2]))
        self.lengths = torch.cat([self.lengths, lengths], 1).gather(1, order)

    def worst(self) -> torch.Tensor:
        """(n,) the K-th best score (-inf while fewer than K have finished)."""
        return self.scores[:, -1]

    def select(self, rows: torch.Tensor) -> FinishedHypotheses:
        out = FinishedHypotheses.__new__(FinishedHypotheses)
        out.K, out.max_len, out.pad = self.K, self.max_len, self.pad
        out.scores, out.words, out.lengths = self.scores[rows], self.words[rows], self.lengths[rows]
        return out

    def store(self, rows: torch.Tensor, other: FinishedHypotheses) -> FinishedHypotheses:
        """Write ``other``'s studies into rows ``rows`` of this one; returns this one."""
        self.scores[rows], self.words[rows], self.lengths[rows] = other.scores, other.words, other.lengths
        return self

    def best(self) -> list[list[int]]:
        """Per study the best hypothesis's words ([] when none finished): the one host transfer."""
        found = torch.isfinite(self.scores[:, 0]).tolist()
        lengths = self.lengths[:, 0].tolist()
        words = self.words[:, 0].tolist()
        return [w[:n] if ok else [] for w, n, ok in zip(words, lengths, found)]

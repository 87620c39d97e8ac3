"""Greedy and beam search on hand-made step functions whose best sequences are known."""

from __future__ import annotations

import math

import torch

from cxrgen.decoding.beam import beam_search
from cxrgen.decoding.greedy import greedy_search
from cxrgen.decoding.state import blocked_trigram_mask

PAD, BOS, EOS, UNK, A, B, C = 0, 1, 2, 3, 4, 5, 6
V = 7


def table_step(table: dict[tuple[int, ...], dict[int, float]], default: dict[int, float] | None = None):
    """A step function from a table: prefix of words -> next-token probabilities (rest 1e-6)."""

    def step(tokens: torch.Tensor, state):
        rows = []
        for prefix in tokens[:, 1:].tolist():
            probs = torch.full((V,), 1e-6, dtype=torch.float64)
            for tok, p in table.get(tuple(prefix), default or {EOS: 1.0}).items():
                probs[tok] = p
            rows.append((probs / probs.sum()).log())
        return torch.stack(rows), state

    return step


def run(search, step, n=1, **kw):
    return search(step, {"dummy": torch.zeros(n, 1)}, n, bos=BOS, eos=EOS, pad=PAD, **kw)


def test_beam_finds_the_sequence_greedy_misses():
    # greedy: A (0.6) then EOS (0.5) = 0.30 ; best: B (0.4) then EOS (0.9) = 0.36
    table = {(): {A: 0.6, B: 0.4}, (A,): {EOS: 0.5, A: 0.25, B: 0.25}, (B,): {EOS: 0.9, A: 0.1}}
    step = table_step(table)
    assert run(greedy_search, step, block_trigrams=False) == [[A]]
    assert run(beam_search, step, beam_size=2, block_trigrams=False) == [[B]]
    assert run(beam_search, step, beam_size=3, block_trigrams=False) == [[B]]


def test_length_penalty_prefers_longer_reports():
    # [A] log(.55) = -0.598 ; [B, B] log(.45) = -0.799 ; divided by length (words + eos): -0.299 vs -0.266
    table = {(): {A: 0.55, B: 0.45}, (A,): {EOS: 1.0}, (B,): {B: 1.0}, (B, B): {EOS: 1.0}}
    step = table_step(table)
    assert run(beam_search, step, beam_size=2, length_penalty=0.0) == [[A]]
    assert run(beam_search, step, beam_size=2, length_penalty=1.0) == [[B, B]]


def test_min_len_and_max_len():
    step = table_step({}, default={EOS: 0.9, A: 0.06, B: 0.04})
    assert run(beam_search, step, beam_size=3, min_len=1) == [[A]]
    assert run(beam_search, step, beam_size=3, min_len=3, block_trigrams=False) == [[A, A, A]]
    assert run(greedy_search, step, min_len=2) == [[A, A]]
    long = table_step({}, default={A: 0.9, B: 0.1})  # never wants to stop
    assert run(beam_search, long, beam_size=3, max_len=4, block_trigrams=False) == [[A, A, A, A]]
    assert run(greedy_search, long, max_len=5) == [[A, A, A, A, A]]


def test_trigram_blocking():
    # the model loves "A B A B ..."; a repeated trigram (A B A) is blocked, the next best is C
    alternating = {(): {A: 1.0}}
    for n in range(1, 8):
        prefix = tuple([A, B] * 4)[:n]
        alternating[prefix] = {B if prefix[-1] == A else A: 0.8, C: 0.15, EOS: 0.05}
    step = table_step(alternating, default={EOS: 1.0})
    assert run(greedy_search, step, max_len=6, block_trigrams=False) == [[A, B, A, B, A, B]]
    # after A B A B, A would repeat (A, B, A) -> C; the table has no row for the new prefix -> EOS
    assert run(greedy_search, step, max_len=6, block_trigrams=True) == [[A, B, A, B, C]]
    # beam sees further: [A, C] (log .15 = -1.90) beats [A, B, A, B, C] (3 log .8 + log .15 = -2.57)
    assert run(beam_search, step, max_len=6, beam_size=3, block_trigrams=True) == [[A, C]]


def test_blocked_trigram_mask_table():
    mask = blocked_trigram_mask(torch.tensor([[A, B, A, B], [A, B, C, A], [A, A, A, A]]), V)
    assert mask[0].nonzero().flatten().tolist() == [A]  # (A, B) seen, followed by A
    assert mask[1].nonzero().flatten().tolist() == []  # (C, A) never seen before
    assert mask[2].nonzero().flatten().tolist() == [A]  # (A, A, A) already there
    assert not blocked_trigram_mask(torch.tensor([[A, A]]), V).any()  # too short to repeat a trigram


def test_beam_is_batched_per_study():
    # two studies decoded together give what each gives alone
    def step(tokens, state):
        study = state["study"]  # (N, 1): 0 or 1
        probs = torch.full((tokens.shape[0], V), 1e-6, dtype=torch.float64)
        words = tokens.shape[1] - 1
        for i in range(tokens.shape[0]):
            s = int(study[i, 0])
            if words < 2 + s:
                probs[i, A + s] = 0.7
                probs[i, C] = 0.3
            else:
                probs[i, EOS] = 1.0
        return (probs / probs.sum(1, keepdim=True)).log(), state

    both = beam_search(step, {"study": torch.tensor([[0], [1]])}, 2, bos=BOS, eos=EOS, pad=PAD, beam_size=3,
                       block_trigrams=False)
    assert both == [[A, A], [B, B, B]]
    assert math.isclose(0.7 ** 2, 0.49)

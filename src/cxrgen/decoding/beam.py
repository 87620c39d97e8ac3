"""Beam search over a step function, batched over studies (K hypotheses per study).

Scores are sums of log-probabilities; a finished hypothesis of n tokens (words + eos) is ranked by
``score / n ** length_penalty`` (``length_penalty=0``: raw sum, R2Gen's setting — its beam search,
taken from Luo's ImageCaptioning.pytorch, has no length penalty by default and does not block
repeated trigrams; ``block_trigrams`` is our option, off in the paper presets). A study stops once it has K finished hypotheses and no alive one can still beat the
worst of them (an exact bound, not a heuristic, so the result does not depend on when we stop).

With the same step function, beam search is deterministic; the model's cached step (keys / values
and recurrent memory carried in ``state``) and its uncached step (prefix recomputed) give the same
hypotheses, which ``tests/decoding/test_cache_equivalence.py`` checks.
"""

from __future__ import annotations

from typing import Any

import torch

from cxrgen.decoding.hypotheses import NEG_INF, FinishedHypotheses
from cxrgen.decoding.state import StepFunction, blocked_trigram_mask, expand_state, map_state, reorder_state


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
    drop_finished: bool = True,
    rule: str = "cxrgen",
) -> list[list[int]]:
    """Best hypothesis per study, as token ids without bos / eos / pad.

    ``state`` holds one row per study; it is expanded to ``beam_size`` rows here. ``max_len``
    counts words (eos is forced after ``max_len`` words); eos is not allowed before ``min_len``.
    The bookkeeping stays on the device; one host sync per step asks whether a study is done, and
    with ``drop_finished`` its rows leave every tensor of the batch (tokens, scores, the model's
    state) so later steps decode only the studies still searching.

    ``rule`` (:data:`BEAM_RULES`): ``"cxrgen"`` keeps K alive beams besides the hypotheses that end
    (the top 2K candidates, as HF / fairseq); ``"r2gen"`` is R2Gen's beam step (Luo's
    ImageCaptioning.pytorch, ``caption_model.beam_search``): the top K candidates, eos among them
    ends a hypothesis and leaves its beam empty for the next step, and after ``max_len`` tokens
    every beam ends (eos not required; the report has at most ``max_len`` tokens, eos included).
    """
    if rule not in BEAM_RULES:
        raise ValueError(f"beam rule {rule!r}; valid: {', '.join(BEAM_RULES)}")
    if rule == "r2gen":
        return _r2gen_rule(step, state, batch_size, bos=bos, eos=eos, pad=pad, device=device, beam_size=beam_size,
                           max_len=max_len, min_len=min_len, length_penalty=length_penalty,
                           block_trigrams=block_trigrams, banned=banned, drop_finished=drop_finished)
    B, K = batch_size, beam_size
    state = expand_state(state, K)
    tokens = torch.full((B * K, 1), bos, dtype=torch.long, device=device)
    scores = torch.zeros(B, K, device=device)
    scores[:, 1:] = NEG_INF  # all beams start identical: expand only the first one
    rank = torch.arange(2 * K, device=device)
    banned_ids = torch.tensor([pad, bos, *banned], dtype=torch.long, device=device)
    results = FinishedHypotheses(B, K, max_len, pad, device)  # studies that left the batch
    finished = FinishedHypotheses(B, K, max_len, pad, device)  # the studies still in the batch
    study = torch.arange(B, device=device)  # original index of each study in the batch

    for t in range(max_len + 1):
        log_probs, state = step(tokens, state)  # (n*K, V)
        lp = log_probs.float().index_fill(1, banned_ids, NEG_INF)
        n, V = scores.shape[0], lp.shape[1]
        if t < min_len:
            lp[:, eos] = NEG_INF
        if t == max_len:  # length limit reached: the only move left is eos
            lp = torch.full_like(lp, NEG_INF).index_copy_(1, banned_ids.new_tensor([eos]), lp[:, eos:eos + 1])
        if block_trigrams:
            lp.masked_fill_(blocked_trigram_mask(tokens[:, 1:], V), NEG_INF)

        candidates = (scores.view(-1, 1) + lp).view(n, K * V)
        top_scores, top_idx = candidates.topk(2 * K, dim=1)  # (n, 2K): at most K of them are eos
        beam_idx, tok = top_idx // V, top_idx % V
        is_eos = tok == eos
        finite = torch.isfinite(top_scores)

        # hypotheses that end here (only eos ranked among the K best counts, as in HF / fairseq);
        # a hypothesis of t words + eos is ranked by score / (t + 1) ** length_penalty
        ends = is_eos & finite & (rank < K)
        norm = torch.where(ends, top_scores / float(t + 1) ** length_penalty, torch.full_like(top_scores, NEG_INF))
        finished.add(norm, tokens.view(n, K, -1)[:, :, 1:], beam_idx)

        # the K best continuations that do not end become the new beams
        order = ((is_eos | ~finite).long() * 2 * K + rank).argsort(dim=1)[:, :K]
        new_beam = beam_idx.gather(1, order)
        scores = top_scores.gather(1, order).masked_fill(is_eos.gather(1, order), NEG_INF)
        tokens, state = _advance(tokens, state, new_beam, tok.gather(1, order))

        # a study is done once K hypotheses finished and no alive one can beat the worst of them
        longest = max_len + 1 if length_penalty > 0 else t + 2
        bound = scores.max(1).values / float(longest) ** length_penalty  # -inf stays -inf
        done = torch.isfinite(finished.worst()) & (bound <= finished.worst())
        if t == max_len:
            break
        batch = _settle(done, drop_finished, K, (study, scores, tokens, state, finished), results)
        if batch is None:  # every study is done
            return results.best()
        study, scores, tokens, state, finished = batch

    return results.store(study, finished).best()


BEAM_RULES = ("cxrgen", "r2gen")


def _advance(tokens, state, beam, new_tokens):
    """The prefixes and model state of beams ``beam`` (n, K) of each study, extended by ``new_tokens`` (n, K)."""
    n, K = beam.shape
    index = (torch.arange(n, device=beam.device)[:, None] * K + beam).view(-1)
    return torch.cat([tokens.index_select(0, index), new_tokens.reshape(-1, 1)], 1), reorder_state(state, index)


def _settle(done, drop_finished, K, batch, results):
    """After a step: the batch without the studies ``done`` (moved into ``results`` with
    ``drop_finished``), or None when every study is done (all in ``results``). The step's one host sync."""
    study, scores, tokens, state, finished = batch
    if not drop_finished:
        if bool(done.all()):
            results.store(study, finished)
            return None
        return batch
    if not bool(done.any()):
        return batch
    gone = done.nonzero().squeeze(1)
    results.store(study[gone], finished.select(gone))
    keep = (~done).nonzero().squeeze(1)
    if keep.numel() == 0:
        return None
    rows = (keep[:, None] * K + torch.arange(K, device=keep.device)).view(-1)
    state = map_state(state, lambda x: x.index_select(0, rows))  # static entries too: whole studies leave
    return study[keep], scores[keep], tokens.index_select(0, rows), state, finished.select(keep)


@torch.no_grad()
def _r2gen_rule(step, state, batch_size, *, bos, eos, pad, device, beam_size, max_len, min_len, length_penalty,
                block_trigrams, banned, drop_finished) -> list[list[int]]:
    """R2Gen's beam step (see :func:`beam_search`), batched, with the same bookkeeping.

    R2Gen keeps every ended hypothesis and returns the best; a study is done once its best ended
    hypothesis is at least the best alive score (log-probabilities only lower a sum; a later tie
    loses to the earlier hypothesis, as in R2Gen's stable sort), so stopping then changes nothing.
    """
    B, K = batch_size, beam_size
    state = expand_state(state, K)
    tokens = torch.full((B * K, 1), bos, dtype=torch.long, device=device)
    scores = torch.zeros(B, K, device=device)
    scores[:, 1:] = NEG_INF
    banned_ids = torch.tensor([pad, bos, *banned], dtype=torch.long, device=device)
    results = FinishedHypotheses(B, K, max_len, pad, device)
    finished = FinishedHypotheses(B, K, max_len, pad, device)
    study = torch.arange(B, device=device)
    for t in range(max_len):
        log_probs, state = step(tokens, state)
        lp = log_probs.float().index_fill(1, banned_ids, NEG_INF)
        n, V = scores.shape[0], lp.shape[1]
        if t < min_len:
            lp[:, eos] = NEG_INF
        if block_trigrams:
            lp.masked_fill_(blocked_trigram_mask(tokens[:, 1:], V), NEG_INF)
        top_scores, top_idx = (scores.view(-1, 1) + lp).view(n, K * V).topk(K, dim=1)  # (n, K)
        beam_idx, tok = top_idx // V, top_idx % V
        is_eos, last_step = tok == eos, t == max_len - 1
        ends = torch.isfinite(top_scores) & (is_eos | last_step)
        n_tokens = t + 1  # words + eos, or the max_len words of a beam ended by the limit
        norm = torch.where(ends, top_scores / float(n_tokens) ** length_penalty, torch.full_like(top_scores, NEG_INF))
        prefixes = tokens.view(n, K, -1)[:, :, 1:]
        if last_step:  # a beam ended by the limit keeps its last word; an eos is not a word
            finished.add(norm, prefixes, beam_idx, last=torch.where(is_eos, torch.full_like(tok, pad), tok))
            break
        finished.add(norm, prefixes, beam_idx)
        scores = top_scores.masked_fill(is_eos, NEG_INF)  # an ended beam is empty (R2Gen: its sum - 1000)
        tokens, state = _advance(tokens, state, beam_idx, tok)
        bound = scores.max(1).values / float(max_len if length_penalty > 0 else 1) ** length_penalty
        done = torch.isfinite(finished.scores[:, 0]) & (finished.scores[:, 0] >= bound)
        batch = _settle(done, drop_finished, K, (study, scores, tokens, state, finished), results)
        if batch is None:  # every study is done
            return results.best()
        study, scores, tokens, state, finished = batch
    return results.store(study, finished).best()

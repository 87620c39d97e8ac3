"""Transformer building blocks shared by the report generators (Vaswani et al., NeurIPS 2017).

The layers are pre-norm (``x + dropout(sublayer(norm(x)))``), as in the Annotated Transformer that
R2Gen and R2GenCMN build on. Every normalisation takes a second argument, the condition: plain
layer norm ignores it, R2Gen's memory-driven conditional layer norm (MCLN, ``r2gen.py``) uses it.

Attention keeps keys and values apart from queries (``project_kv``), so decoding can project the
encoder memory once per study and append one key/value per generated token (incremental decoding)
instead of recomputing the whole prefix at every step.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

KV = tuple[torch.Tensor, torch.Tensor]  # keys, values: (B, heads, S, d_k) each


class MultiHeadAttention(nn.Module):
    """Scaled dot-product attention with ``n_heads`` heads (Vaswani et al. 2017, eq. 1 and §3.2.2)."""

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0):
        super().__init__()
        self.n_heads, self.d_k = n_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        B, S, _ = x.shape
        return x.view(B, S, self.n_heads, self.d_k).transpose(1, 2)  # (B, h, S, d_k)

    def project_kv(self, x: torch.Tensor) -> KV:
        return self.split_heads(self.k_proj(x)), self.split_heads(self.v_proj(x))

    def forward(
        self,
        query: torch.Tensor,  # (B, T, D)
        kv: KV,  # from project_kv: (B, h, S, d_k) x 2
        mask: torch.Tensor | None = None,  # bool, broadcastable to (B, h, T, S); True = may attend
        need_weights: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.attend(self.split_heads(self.q_proj(query)), kv, mask, need_weights)

    def attend(
        self,
        q: torch.Tensor,  # projected queries, split into heads: (B, h, T, d_k)
        kv: KV,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attention from already projected queries (callers that fuse projections use this)."""
        k, v = kv
        if need_weights:
            scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_k)  # (B, h, T, S)
            if mask is not None:
                scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
            weights = scores.softmax(-1)
            out = self.dropout(weights) @ v  # (B, h, T, d_k)
        else:  # the same attention in one call (fused kernels where the device has them)
            p = self.dropout.p if self.training else 0.0
            out, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p), None
        B, _, T, _ = out.shape
        out = self.out_proj(out.transpose(1, 2).reshape(B, T, -1))  # (B, T, D)
        return out, (weights if need_weights else None)


class FeedForward(nn.Module):
    """Position-wise feed-forward network (Vaswani et al. 2017, eq. 2)."""

    def __init__(self, d_model: int, d_ff: int, dropout: float):
        super().__init__()
        self.w_1, self.w_2, self.dropout = nn.Linear(d_model, d_ff), nn.Linear(d_ff, d_model), nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w_2(self.dropout(F.relu(self.w_1(x))))


NORM_FORMULAS = ("r2gen", "layer_norm")
R2GEN_NORM_EPS = 1e-6  # R2Gen's LayerNorm and ConditionalLayerNorm (modules/encoder_decoder.py, eps=1e-6)


def normalize(x: torch.Tensor, formula: str, eps: float) -> torch.Tensor:
    """``(x - mean) / spread`` over the last dim, without scale and shift.

    ``"r2gen"``: the Annotated Transformer's norm that R2Gen and R2GenCMN use everywhere,
    ``(x - mean) / (std + eps)`` with the *unbiased* std and eps outside the root; one
    ``std_mean`` call. ``"layer_norm"``: torch's ``F.layer_norm`` (biased variance, eps inside the
    root; one fused kernel). They differ by a factor sqrt((D-1)/D) plus the eps placement.
    """
    if formula == "layer_norm":
        return F.layer_norm(x, x.shape[-1:], eps=eps)
    std, mean = torch.std_mean(x, -1, keepdim=True)
    return (x - mean) / (std + eps)


class LayerNorm(nn.LayerNorm):
    """Layer norm with the (ignored) condition argument of the decoder's norm interface.

    ``formula`` (``NORM_FORMULAS``): R2Gen's unbiased-std norm or torch's layer norm; the
    parameters (``weight`` = R2Gen's gamma, ``bias`` = beta) are the same for both.
    """

    def __init__(self, d_model: int, formula: str = "layer_norm", eps: float | None = None):
        if formula not in NORM_FORMULAS:
            raise ValueError(f"norm formula {formula!r}; valid: {', '.join(NORM_FORMULAS)}")
        super().__init__(d_model, eps=R2GEN_NORM_EPS if eps is None and formula == "r2gen" else (eps or 1e-5))
        self.formula = formula

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        if self.formula == "layer_norm":
            return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return normalize(x, self.formula, self.eps) * self.weight + self.bias


def sinusoid_table(max_len: int, d_model: int) -> torch.Tensor:
    """Sinusoidal position encodings (Vaswani et al. 2017, §3.5): (max_len, d_model)."""
    pos = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    table = torch.zeros(max_len, d_model)
    table[:, 0::2] = torch.sin(pos * div)
    table[:, 1::2] = torch.cos(pos * div)[:, : d_model // 2]
    return table


class TokenEmbedding(nn.Module):
    """Word embedding * sqrt(d_model) + sinusoidal position (Vaswani et al. 2017, §3.4-3.5); dropout."""

    def __init__(self, vocab_size: int, d_model: int, dropout: float, max_positions: int = 1024):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.scale = math.sqrt(d_model)
        self.register_buffer("positions", sinusoid_table(max_positions, d_model), persistent=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, tokens: torch.Tensor, start: int = 0) -> torch.Tensor:
        T = tokens.shape[1]
        if start + T > self.positions.shape[0]:
            raise ValueError(f"sequence of {start + T} tokens exceeds the {self.positions.shape[0]} position encodings")
        x = self.embed(tokens) * self.scale + self.positions[start : start + T]
        return self.dropout(x)  # (B, T, D)


class EncoderLayer(nn.Module):
    """Self-attention + feed-forward over the visual tokens, pre-norm."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float, norm_formula: str = "layer_norm"):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.ffn = FeedForward(d_model, d_ff, dropout)
        self.norm1, self.norm2 = LayerNorm(d_model, norm_formula), LayerNorm(d_model, norm_formula)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.dropout(self.self_attn(h, self.self_attn.project_kv(h), mask)[0])
        return x + self.dropout(self.ffn(self.norm2(x)))


class TransformerEncoder(nn.Module):
    def __init__(self, d_model: int, n_layers: int, n_heads: int, d_ff: int, dropout: float,
                 norm_formula: str = "layer_norm"):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(d_model, n_heads, d_ff, dropout, norm_formula) for _ in range(n_layers))
        self.norm = LayerNorm(d_model, norm_formula)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor) -> torch.Tensor:
        """``x`` (B, P, D), ``key_mask`` (B, P) bool True = real token; returns (B, P, D)."""
        mask = key_mask[:, None, None, :]  # (B, 1, 1, P)
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)


class DecoderLayer(nn.Module):
    """Masked self-attention, cross-attention over the visual memory, feed-forward; pre-norm.

    ``make_norm`` builds each of the three norms: plain :class:`LayerNorm` for the Transformer
    baseline and R2GenCMN, MCLN for R2Gen. ``cond`` (B, T, C) is passed to every norm.
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float, make_norm):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.ffn = FeedForward(d_model, d_ff, dropout)
        self.norm1, self.norm2, self.norm3 = make_norm(), make_norm(), make_norm()
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,  # (B, T, D)
        memory_kv: KV,  # cross-attention keys / values of the visual memory
        memory_mask: torch.Tensor,  # (B, 1, 1, P)
        cond: torch.Tensor | None,  # (B, T, C) or None
        self_mask: torch.Tensor | None,  # (1, 1, T, T) causal mask, None when decoding one step
        cache: KV | None = None,  # keys / values of the previous tokens (incremental decoding)
        need_weights: bool = False,
    ) -> tuple[torch.Tensor, KV, torch.Tensor | None]:
        h = self.norm1(x, cond)
        k, v = self.self_attn.project_kv(h)
        if cache is not None:  # one new token attends to every previous one: no mask needed
            k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
        x = x + self.dropout(self.self_attn(h, (k, v), self_mask)[0])
        attn, weights = self.cross_attn(self.norm2(x, cond), memory_kv, memory_mask, need_weights)
        x = x + self.dropout(attn)
        x = x + self.dropout(self.ffn(self.norm3(x, cond)))
        return x, (k, v), weights


def causal_mask(T: int, device: torch.device) -> torch.Tensor:
    """(1, 1, T, T) bool, True on and below the diagonal (Vaswani et al. 2017, §3.2.3)."""
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()[None, None]

"""R2Gen: "Generating Radiology Reports via Memory-driven Transformer" (Chen et al., EMNLP 2020).

The Transformer encoder-decoder of ``encoder_decoder.py`` whose decoder carries a relational memory
(RM, §2.2) updated once per generated token, and whose layer norms are memory-driven conditional
layer norms (MCLN, §2.3): the scale and shift of every decoder norm are moved by MLPs of the
memory. Defaults (§3.2): 3 layers, d_model 512, 8 heads, 3 memory slots of 512 dims.

Notation of the paper: M_t the memory (num_slots x d), y_{t-1} the embedding of the previous
token, m_t the memory flattened to a vector.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cxrgen.models.config import R2GenConfig
from cxrgen.models.encoder_decoder import EncoderDecoderGenerator
from cxrgen.models.layers import R2GEN_NORM_EPS, LayerNorm, MultiHeadAttention, normalize
from cxrgen.models.registry import register_model
from cxrgen.text.vocab import Vocab


class RelationalMemory(nn.Module):
    """R2Gen §2.2 (after Santoro et al.'s relational memory core, NeurIPS 2018)."""

    def __init__(self, num_slots: int, d_model: int, n_heads: int, d_input: int, dropout: float = 0.0):
        super().__init__()
        self.num_slots, self.d_model = num_slots, d_model
        self.input_proj = nn.Linear(d_input, d_model) if d_input != d_model else nn.Identity()
        self.attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_model), nn.ReLU(), nn.Linear(d_model, d_model), nn.ReLU())
        self.W = nn.Linear(d_model, 2 * d_model)  # W^i, W^f applied to y_{t-1}
        self.U = nn.Linear(d_model, 2 * d_model)  # U^i, U^f applied to tanh(M_{t-1})

    def initial(self, batch: int, device: torch.device, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """M_0: each slot a one-hot row (identity padded with zeros), as in R2Gen's released code."""
        eye = torch.eye(self.num_slots, self.d_model, device=device, dtype=dtype)
        return eye.flatten().expand(batch, -1).contiguous()  # (B, S*d)

    def forward(self, embeds: torch.Tensor, memory: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Run over ``embeds`` (B, T, d_input) from ``memory``; returns m_1..m_T (B, T, S*d) and M_T.

        The update is recurrent, so this is a loop over T; incremental decoding carries M_T instead
        of recomputing it (R2Gen's released beam search reruns this loop over the whole prefix).
        What depends only on the tokens (y W^i, y W^f and y's keys and values) is computed for all
        steps before the loop, and the memory's queries, keys and values in one product per step:
        the loop runs 5 matrix products instead of 8 (the decoder's training step is dominated by it).
        """
        B, T, _ = embeds.shape
        S, d = self.num_slots, self.d_model
        a = self.attn
        y = self.input_proj(embeds)  # (B, T, d)
        k_y, v_y = a.project_kv(y)  # (B, h, T, d_k): the y_{t-1} rows of K and V
        gates_y = self.W(y)  # (B, T, 2d): Y_{t-1} W^i, Y_{t-1} W^f
        w_qkv = torch.cat([a.q_proj.weight, a.k_proj.weight, a.v_proj.weight])
        b_qkv = torch.cat([a.q_proj.bias, a.k_proj.bias, a.v_proj.bias])
        outputs = []
        for t in range(T):
            M = memory.view(B, S, d)  # M_{t-1}
            q, k_m, v_m = F.linear(M, w_qkv, b_qkv).chunk(3, dim=-1)
            # Q = M_{t-1} W_q, K = [M_{t-1}; y_{t-1}] W_k, V = [M_{t-1}; y_{t-1}] W_v
            kv = (torch.cat([a.split_heads(k_m), k_y[:, :, t:t + 1]], 2), torch.cat([a.split_heads(v_m), v_y[:, :, t:t + 1]], 2))
            Z, _ = a.attend(a.split_heads(q), kv)  # softmax(QK^T / sqrt(d_k)) V, then W_o
            M_tilde = M + Z
            M_tilde = M_tilde + self.mlp(M_tilde)  # MLP with residual (§2.2: "fed into a multi-layer perceptron")
            # G^i_t = Y_{t-1} W^i + tanh(M_{t-1}) U^i ;  G^f_t = Y_{t-1} W^f + tanh(M_{t-1}) U^f
            g_in, g_forget = (gates_y[:, t, None] + self.U(torch.tanh(M))).chunk(2, dim=-1)
            # M_t = sigma(G^f_t) * M_{t-1} + sigma(G^i_t) * tanh(M~_t)
            M_t = torch.sigmoid(g_forget) * M + torch.sigmoid(g_in) * torch.tanh(M_tilde)
            memory = M_t.reshape(B, S * d)
            outputs.append(memory)
        return torch.stack(outputs, 1), memory


class MCLNParams:
    """The scales and shifts of every MCLN of the decoder for the current tokens, computed together.

    ``scale_shift`` (2N, B, T, D): rows 2i and 2i+1 are gamma^_t and beta^_t of the norm with
    ``slot == i``. Made by :func:`fused_mcln_params` from m_t in two products for all N norms
    (one (C -> 2N*D) matrix product and one batched (D -> D) product), instead of 4N products.
    """

    __slots__ = ("scale_shift",)

    def __init__(self, scale_shift: torch.Tensor):
        self.scale_shift = scale_shift

    def get(self, slot: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.scale_shift[2 * slot], self.scale_shift[2 * slot + 1]


class ConditionalLayerNorm(nn.Module):
    """MCLN, R2Gen §2.3: layer norm whose gamma and beta are shifted by MLPs of the memory m_t.

    ``formula`` as :func:`cxrgen.models.layers.normalize`: ``"r2gen"`` is the released code's
    ``gamma^ (x - mean) / (std + eps) + beta^`` with the unbiased std, eps 1e-6 outside the root.
    ``cond`` is m_t (B, T, S*d), or an :class:`MCLNParams` holding this norm's gamma^ / beta^.
    """

    def __init__(self, d_model: int, cond_dim: int, formula: str = "r2gen", eps: float = R2GEN_NORM_EPS):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(d_model))
        self.beta = nn.Parameter(torch.zeros(d_model))
        self.mlp_gamma = nn.Sequential(nn.Linear(cond_dim, d_model), nn.ReLU(), nn.Linear(d_model, d_model))
        self.mlp_beta = nn.Sequential(nn.Linear(cond_dim, d_model), nn.ReLU(), nn.Linear(d_model, d_model))
        self.formula, self.eps = formula, eps
        self.slot = -1  # position among the model's MCLNs (set by R2Gen; used with MCLNParams)

    def scale_shift(self, cond: torch.Tensor | MCLNParams) -> tuple[torch.Tensor, torch.Tensor]:
        if isinstance(cond, MCLNParams):
            return cond.get(self.slot)
        # gamma^_t = gamma + f_mlp(m_t), beta^_t = beta + f_mlp(m_t)
        return self.gamma + self.mlp_gamma(cond), self.beta + self.mlp_beta(cond)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | MCLNParams) -> torch.Tensor:
        """``x`` (B, T, D); f_mcln(r) = gamma^ (r - mu) / v + beta^."""
        gamma_hat, beta_hat = self.scale_shift(cond)
        return gamma_hat * normalize(x, self.formula, self.eps) + beta_hat


def stack_mcln_weights(norms: list[ConditionalLayerNorm]) -> tuple[torch.Tensor, ...]:
    """The weights of ``norms`` laid out for :func:`fused_mcln_params` (gamma then beta per norm)."""
    mlps = [mlp for n in norms for mlp in (n.mlp_gamma, n.mlp_beta)]
    w1 = torch.cat([m[0].weight for m in mlps])  # (2N*D, C)
    b1 = torch.cat([m[0].bias for m in mlps])  # (2N*D,)
    w2 = torch.stack([m[2].weight.t() for m in mlps])  # (2N, D, D), applied as h @ w2
    # gamma / beta added to the second layer's bias: gamma + (W h + b) = W h + (b + gamma)
    b2 = torch.stack([m[2].bias + base for n in norms for m, base in ((n.mlp_gamma, n.gamma), (n.mlp_beta, n.beta))])
    return w1, b1, w2, b2


def fused_mcln_params(cond: torch.Tensor, weights: tuple[torch.Tensor, ...]) -> MCLNParams:
    """gamma^_t / beta^_t of every MCLN for m_t ``cond`` (B, T, C) from :func:`stack_mcln_weights`."""
    w1, b1, w2, b2 = weights
    B, T, _ = cond.shape
    n2, D = w2.shape[0], w2.shape[-1]
    h = F.relu(F.linear(cond, w1, b1))  # (B, T, 2N*D): the first layer of all 2N MLPs in one product
    h = h.view(B * T, n2, D).transpose(0, 1)  # (2N, B*T, D)
    out = torch.baddbmm(b2[:, None, :].to(h.dtype), h, w2.to(h.dtype))  # (2N, B*T, D): the second layers
    return MCLNParams(out.view(n2, B, T, D))


@register_model("r2gen", R2GenConfig)
class R2Gen(EncoderDecoderGenerator):
    """R2Gen (Chen et al., EMNLP 2020): Transformer + relational memory + MCLN in the decoder.

    With the default config this is the released model: three MCLNs per decoder layer, a plain
    final norm, attention dropout 0.1 in the memory, the memory reading its own dropout sample of
    the token embeddings (the released code embeds the tokens twice), Xavier-uniform init.
    """

    def __init__(self, config: R2GenConfig, vocab: Vocab, **kwargs):
        super().__init__(config, vocab, **kwargs)
        c = config
        self.rm = RelationalMemory(c.rm_num_slots, c.rm_d_model, c.n_heads, d_input=c.d_model, dropout=c.rm_dropout)
        self.mclns = [m for m in self.modules() if isinstance(m, ConditionalLayerNorm)]  # plain list: no re-registration
        for i, norm in enumerate(self.mclns):
            norm.slot = i
        self._fused_weights: tuple[torch.Tensor, ...] | None = None  # set while generate() runs
        if c.init == "r2gen":
            self.init_r2gen()

    def make_norm(self) -> nn.Module:
        c = self.config
        return ConditionalLayerNorm(c.d_model, c.rm_num_slots * c.rm_d_model, c.norm_formula)

    def make_final_norm(self) -> nn.Module:
        return self.make_norm() if self.config.final_norm == "mcln" else LayerNorm(self.config.d_model, self.config.norm_formula)

    def transformer_modules(self) -> list[nn.Module]:
        return [*super().transformer_modules(), self.rm]

    def init_r2gen(self) -> None:
        super().init_r2gen()
        for norm in self.mclns:  # R2Gen's ConditionalLayerNorm: its MLP biases start at 0.1
            for mlp in (norm.mlp_gamma, norm.mlp_beta):
                nn.init.constant_(mlp[0].bias, 0.1)
                nn.init.constant_(mlp[2].bias, 0.1)

    def condition_input(self, inputs: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        # R2Gen's Transformer.decode calls tgt_embed twice: the memory and the decoder see
        # independent dropout masks of the same embeddings (identical outside training)
        return self.fuse_text(self.tgt_embed(inputs)) if self.training else x

    def init_condition(self, batch: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        return self.rm.initial(batch, device, dtype)

    def condition(self, embeds: torch.Tensor, cond_state: torch.Tensor):
        m, state = self.rm(embeds, cond_state)
        if not self.config.fused_norm:
            return m, state
        weights = self._fused_weights if self._fused_weights is not None else stack_mcln_weights(self.mclns)
        return fused_mcln_params(m, weights), state

    @torch.no_grad()
    def generate(self, *args, **kwargs):
        # the weights do not change while decoding: stack them once, not at every step
        self._fused_weights = stack_mcln_weights(self.mclns) if self.config.fused_norm else None
        try:
            return super().generate(*args, **kwargs)
        finally:
            self._fused_weights = None

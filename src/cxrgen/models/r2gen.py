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
from cxrgen.models.layers import MultiHeadAttention
from cxrgen.models.registry import register_model
from cxrgen.text.vocab import Vocab


class RelationalMemory(nn.Module):
    """R2Gen §2.2 (after Santoro et al.'s relational memory core, NeurIPS 2018)."""

    def __init__(self, num_slots: int, d_model: int, n_heads: int, d_input: int):
        super().__init__()
        self.num_slots, self.d_model = num_slots, d_model
        self.input_proj = nn.Linear(d_input, d_model) if d_input != d_model else nn.Identity()
        self.attn = MultiHeadAttention(d_model, n_heads)
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


class ConditionalLayerNorm(nn.Module):
    """MCLN, R2Gen §2.3: layer norm whose gamma and beta are shifted by MLPs of the memory m_t."""

    def __init__(self, d_model: int, cond_dim: int, eps: float = 1e-6):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(d_model))
        self.beta = nn.Parameter(torch.zeros(d_model))
        self.mlp_gamma = nn.Sequential(nn.Linear(cond_dim, d_model), nn.ReLU(), nn.Linear(d_model, d_model))
        self.mlp_beta = nn.Sequential(nn.Linear(cond_dim, d_model), nn.ReLU(), nn.Linear(d_model, d_model))
        self.eps = eps

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """``x`` (B, T, D), ``cond`` m_t per position (B, T, S*d)."""
        gamma_hat = self.gamma + self.mlp_gamma(cond)  # gamma^_t = gamma + delta gamma_t, delta gamma_t = f_mlp(m_t)
        beta_hat = self.beta + self.mlp_beta(cond)  # beta^_t = beta + delta beta_t, delta beta_t = f_mlp(m_t)
        mean = x.mean(-1, keepdim=True)
        std = (x.var(-1, keepdim=True, unbiased=False) + self.eps).sqrt()
        return gamma_hat * (x - mean) / std + beta_hat  # f_mcln(r) = gamma^ (r - mu) / v + beta^


@register_model("r2gen", R2GenConfig)
class R2Gen(EncoderDecoderGenerator):
    """R2Gen (Chen et al., EMNLP 2020): Transformer + relational memory + MCLN in the decoder."""

    def __init__(self, config: R2GenConfig, vocab: Vocab, **kwargs):
        super().__init__(config, vocab, **kwargs)
        self.rm = RelationalMemory(config.rm_num_slots, config.rm_d_model, config.n_heads, d_input=config.d_model)

    def make_norm(self) -> nn.Module:
        c = self.config
        return ConditionalLayerNorm(c.d_model, c.rm_num_slots * c.rm_d_model)

    def init_condition(self, batch: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        return self.rm.initial(batch, device, dtype)

    def condition(self, embeds: torch.Tensor, cond_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.rm(embeds, cond_state)

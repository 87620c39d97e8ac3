"""The encoder-decoder report generator that the Transformer baseline, R2Gen, R2GenCMN and CN-X2RG share.

    images (B, V, 3, H, W) --visual extractor--> patches (B, P, C), P = V*h*w      (R2Gen §2.1, f_v)
        --att_embed--> (B, P, D) [+ CMN response] [+ CN-X2RG prompt tokens]
        --Transformer encoder--> memory (B, P', D)                                   (f_e)
    tokens [bos, w1..wn] --embedding + position [+ CMN response]--> (B, T, D)
        --decoder layers (self-attn, cross-attn on memory, FFN; norms conditioned on
          R2Gen's relational memory, plain otherwise)--> logits (B, T, vocab)      (f_d)

Subclasses change three hooks: ``make_norm`` (plain LN or R2Gen's MCLN), ``condition`` (R2Gen's
relational memory over the token embeddings, carried as a recurrent state when decoding) and
``fuse_visual`` / ``fuse_text`` (R2GenCMN's cross-modal memory responses).

Decoding keeps, per hypothesis, the cross-attention keys / values of the memory (projected once),
the self-attention keys / values of every generated token and the recurrent condition state, so
one step processes one token (``decode_step(..., use_cache=True)``). ``use_cache=False`` recomputes
the whole prefix at each step, as R2Gen's released beam search does; both give the same output.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from cxrgen.decoding.beam import beam_search
from cxrgen.errors import ConfigError
from cxrgen.decoding.greedy import greedy_search
from cxrgen.models.base import ReportGenerator
from cxrgen.models.config import TransformerConfig
from cxrgen.models.encoders import EncodedImages, create_encoder
from cxrgen.models.heads import ClassificationHead
from cxrgen.models.layers import DecoderLayer, LayerNorm, TokenEmbedding, TransformerEncoder, causal_mask
from cxrgen.text.vocab import Vocab


class EncoderDecoderGenerator(ReportGenerator):
    def __init__(self, config: TransformerConfig, vocab: Vocab, *, prompt_encoder: nn.Module | None = None,
                 num_labels: int = 0):
        """``prompt_encoder``: a module ``(images, view_mask) -> (B, n_prompt, d_model)`` whose tokens are
        appended to the visual ones (CN-X2RG's prompt features); ``num_labels`` > 0 adds an auxiliary
        multi-label head on the encoded image (CN-X2RG's classifier)."""
        super().__init__(config, vocab)
        c = config
        self.visual = create_encoder(c.encoder)
        # R2Gen's att_embed: project the visual features to d_model (Linear, ReLU, dropout)
        self.att_embed = nn.Sequential(nn.Linear(self.visual.out_dim, c.d_model), nn.ReLU(), nn.Dropout(c.dropout))
        self.prompt_encoder = prompt_encoder
        self.encoder = TransformerEncoder(c.d_model, c.n_layers, c.n_heads, c.d_ff, c.dropout)
        self.tgt_embed = TokenEmbedding(len(vocab), c.d_model, c.dropout, max_positions=max(c.max_len + 2, 512))
        self.decoder_layers = nn.ModuleList(
            DecoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout, self.make_norm) for _ in range(c.n_layers)
        )
        self.decoder_norm = self.make_norm()
        self.logit = nn.Linear(c.d_model, len(vocab))
        self.aux_head = ClassificationHead(c.d_model, num_labels, c.dropout) if num_labels > 0 else None
        self.has_aux_head = self.aux_head is not None

    # ---- hooks ------------------------------------------------------------------------
    def make_norm(self) -> nn.Module:
        return LayerNorm(self.config.d_model)

    def init_condition(self, batch: int, device: torch.device, dtype: torch.dtype) -> Any:
        """Recurrent condition state before the first token (R2Gen: the initial memory M_0)."""
        return None

    def condition(self, embeds: torch.Tensor, cond_state: Any) -> tuple[torch.Tensor | None, Any]:
        """Per-token condition for the norms (B, T, C) and the state after the last token."""
        return None, cond_state

    def fuse_visual(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def fuse_text(self, x: torch.Tensor) -> torch.Tensor:
        return x

    # ---- encoding ---------------------------------------------------------------------
    def encode(self, images: torch.Tensor, view_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Visual extractor output: patch features (B, V*h*w, C) and the pooled vector (B, C)."""
        enc = self.visual(images, view_mask)
        return enc.patches, enc.pooled

    def encode_memory(self, images: torch.Tensor, view_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, EncodedImages]:
        """Memory (B, P', D) the decoder attends to, its mask (B, P') and the raw visual features."""
        enc = self.visual(images, view_mask)
        x = self.fuse_visual(self.att_embed(enc.patches))  # (B, P, D)
        mask = enc.patch_mask
        if self.prompt_encoder is not None:  # CN-X2RG: prompt tokens appended after the patches
            prompt = self.prompt_encoder(images, view_mask)  # (B, n_prompt, D)
            x = torch.cat([x, prompt], 1)
            mask = torch.cat([mask, mask.new_ones(prompt.shape[:2])], 1)
        return self.encoder(x, mask), mask, enc

    # ---- training ---------------------------------------------------------------------
    def forward(self, images: torch.Tensor, view_mask: torch.Tensor, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        """``tokens`` (B, T) = [bos, w1..wn, eos, pad..]; returns logits (B, T-1, vocab) for tokens[:, 1:]."""
        memory, mask, _ = self.encode_memory(images, view_mask)
        hidden, _ = self._decode_full(tokens[:, :-1], memory, mask)
        out = {"logits": self.logit(hidden)}
        if self.aux_head is not None:
            out["aux_logits"] = self.aux_head(memory, mask)  # (B, num_labels)
        return out

    def _decode_full(
        self, inputs: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor, need_weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Decoder over a whole prefix (teacher forcing); returns hidden (B, T, D) and the last
        layer's cross-attention (B, heads, T, P') when asked."""
        x = self.fuse_text(self.tgt_embed(inputs))  # (B, T, D)
        cond, _ = self.condition(x, self.init_condition(x.shape[0], x.device, x.dtype))
        self_mask = causal_mask(x.shape[1], x.device)
        mem_mask = mask[:, None, None, :]
        weights = None
        for i, layer in enumerate(self.decoder_layers):
            last = i == len(self.decoder_layers) - 1
            x, _, w = layer(x, layer.cross_attn.project_kv(memory), mem_mask, cond, self_mask, need_weights=need_weights and last)
            weights = w if w is not None else weights
        return self.decoder_norm(x, cond), weights

    # ---- decoding ---------------------------------------------------------------------
    def start_decoding(self, images: torch.Tensor, view_mask: torch.Tensor, use_cache: bool = True) -> dict[str, Any]:
        """Encode the images once; the state the step function carries from token to token.

        ``static`` entries are the same for every beam of a study and are not reordered by beam
        search. The cached step reads the memory's keys / values, projected here once; the
        uncached step reprojects the memory at each step, as R2Gen does.
        """
        memory, mask, _ = self.encode_memory(images, view_mask)
        B = memory.shape[0]
        static: dict[str, Any] = {"mask": mask}  # (B, P')
        if use_cache:
            static["memory_kv"] = [layer.cross_attn.project_kv(memory) for layer in self.decoder_layers]
        else:
            static["memory"] = memory  # (B, P', D)
        return {
            "static": static,
            "self_kv": None,  # per layer (k, v) of the generated tokens: (B, h, t, d_k)
            "cond": self.init_condition(B, memory.device, memory.dtype),
        }

    def decode_step(self, tokens: torch.Tensor, state: dict[str, Any], use_cache: bool = True) -> tuple[torch.Tensor, dict]:
        """Log-probabilities (N, vocab) of the token after ``tokens`` (N, t)."""
        static = state["static"]
        if not use_cache:
            hidden, _ = self._decode_full(tokens, static["memory"], static["mask"])
            return self.logit(hidden[:, -1]).log_softmax(-1), state
        t = tokens.shape[1] - 1
        x = self.fuse_text(self.tgt_embed(tokens[:, -1:], start=t))  # (N, 1, D): the new token only
        cond, cond_state = self.condition(x, state["cond"])  # one recurrent step
        mem_mask = static["mask"][:, None, None, :]
        new_kv = []
        for i, layer in enumerate(self.decoder_layers):
            cache = state["self_kv"][i] if state["self_kv"] is not None else None
            x, kv, _ = layer(x, static["memory_kv"][i], mem_mask, cond, None, cache=cache)
            new_kv.append(kv)
        hidden = self.decoder_norm(x, cond)
        state = {**state, "self_kv": new_kv, "cond": cond_state}
        return self.logit(hidden[:, -1]).log_softmax(-1), state

    @torch.no_grad()
    def generate(
        self,
        images: torch.Tensor,
        view_mask: torch.Tensor,
        max_len: int | None = None,
        beam_size: int = 3,
        min_len: int = 1,
        length_penalty: float = 0.0,
        block_trigrams: bool = True,
        use_cache: bool = True,
        return_attention: bool = False,
    ):
        """Reports as token ids (no bos / eos / pad), greedy when ``beam_size == 1``.

        ``max_len`` defaults to ``config.max_len`` (R2Gen: 60 for IU X-Ray). With
        ``return_attention`` returns ``(reports, maps)``: per study a (V, h, w) tensor, the last
        decoder layer's cross-attention over each view's patches averaged over heads and over the
        report's tokens (zeros for masked views).
        """
        was_training = self.training
        self.eval()
        try:
            max_len = self.config.max_len if max_len is None else max_len
            if max_len < 1 or beam_size < 1 or not 0 <= min_len <= max_len:
                raise ConfigError(
                    f"generate needs max_len >= 1, beam_size >= 1 and 0 <= min_len <= max_len; "
                    f"got max_len={max_len}, beam_size={beam_size}, min_len={min_len}"
                )
            state = self.start_decoding(images, view_mask, use_cache=use_cache)
            v = self.vocab
            kwargs = dict(bos=v.bos_id, eos=v.eos_id, pad=v.pad_id, device=images.device, max_len=max_len,
                          min_len=min_len, block_trigrams=block_trigrams)

            def step(tokens, st):
                return self.decode_step(tokens, st, use_cache=use_cache)

            if beam_size == 1:
                reports = greedy_search(step, state, images.shape[0], **kwargs)
            else:
                reports = beam_search(step, state, images.shape[0], beam_size=beam_size,
                                      length_penalty=length_penalty, **kwargs)
            if return_attention:
                return reports, self.attention_maps(images, view_mask, reports)
            return reports
        finally:
            self.train(was_training)

    @torch.no_grad()
    def attention_maps(self, images: torch.Tensor, view_mask: torch.Tensor, reports: list[list[int]]) -> list[torch.Tensor]:
        """Per study, cross-attention over the image patches (V, h, w) averaged over the report's tokens.

        The report is run through the decoder with teacher forcing ([bos, words]); each position's
        attention (last layer, mean over heads) is averaged over the n + 1 positions that predict
        the n words and eos. Prompt tokens (CN-X2RG) are left out.
        """
        memory, mask, enc = self.encode_memory(images, view_mask)
        V, h, w = enc.grid
        maps = []
        for b, report in enumerate(reports):
            inputs = torch.tensor([[self.vocab.bos_id, *report]], dtype=torch.long, device=images.device)
            _, weights = self._decode_full(inputs, memory[b : b + 1], mask[b : b + 1], need_weights=True)
            avg = weights[0].mean(0).mean(0)[: V * h * w]  # (V*h*w,)
            maps.append(avg.reshape(V, h, w) * view_mask[b].to(avg.dtype)[:, None, None])
        return maps


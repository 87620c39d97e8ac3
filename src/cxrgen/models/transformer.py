"""Plain Transformer baseline (Vaswani et al., NeurIPS 2017): R2Gen without RM and MCLN.

The "BASE" row of R2Gen's Table 2: the same visual extractor, a 3-layer Transformer
encoder-decoder with plain layer norms. Everything is in ``encoder_decoder.py``.
"""

from __future__ import annotations

from cxrgen.models.config import TransformerConfig
from cxrgen.models.encoder_decoder import EncoderDecoderGenerator
from cxrgen.models.registry import register_model


@register_model("transformer", TransformerConfig)
class TransformerGenerator(EncoderDecoderGenerator):
    """Visual extractor + Transformer encoder-decoder, no memory."""

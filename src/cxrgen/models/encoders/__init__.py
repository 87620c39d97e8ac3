"""Image encoders written in the project (no torchvision / timm), with checkpoint-compatible names.

``create_encoder(EncoderConfig)`` returns a :class:`MultiViewEncoder` whose backbone is one of
``list_encoders()``; ``EncoderConfig.weights`` (the CLI's ``--encoder-weights PATH``) is loaded
with :func:`load_encoder_weights`, which names missing / unexpected keys and shape mismatches.
"""

from __future__ import annotations

from cxrgen.models.config import EncoderConfig
from cxrgen.models.encoders import densenet, resnet, vit  # noqa: F401  (register the backbones)
from cxrgen.models.encoders.base import BACKBONES, EncodedImages, MultiViewEncoder, create_backbone
from cxrgen.models.encoders.weights import load_encoder_weights


def list_encoders() -> list[str]:
    return BACKBONES.names()


def create_encoder(config: EncoderConfig) -> MultiViewEncoder:
    backbone = create_backbone(config.name, width=config.width, image_size=config.image_size)
    if config.weights:
        load_encoder_weights(backbone, config.weights, prefix=config.weights_prefix)
    return MultiViewEncoder(backbone, freeze=config.freeze, channels_last=config.channels_last)


__all__ = [
    "BACKBONES", "EncodedImages", "MultiViewEncoder", "create_backbone", "create_encoder",
    "list_encoders", "load_encoder_weights",
]

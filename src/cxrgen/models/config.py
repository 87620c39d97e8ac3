"""Typed configurations of the models: one per model, registered with it (timm's default configs).

``create_model("r2gen", {...})`` checks the mapping against :class:`R2GenConfig`, ``r2gencmn``
against :class:`CMNConfig`, ``cnx2rg`` against :class:`CNX2RGConfig`, ``retrieval`` against
:class:`RetrievalConfig`, ``transformer`` against :class:`TransformerConfig` (the shared
encoder-decoder that the captioning configs extend). A new option of one model goes into its
class only. Each component takes its own dataclass. ``from_dict`` turns a YAML mapping into a config and
refuses unknown keys and values of the wrong type with a :class:`~cxrgen.errors.ConfigError`
that lists the valid keys, so a typo in a preset fails at start-up instead of being ignored.

Defaults are the published settings:
- R2Gen (Chen et al., EMNLP 2020, §3.2 and the released ``main_train.py``): ResNet-101 visual
  extractor pretrained on ImageNet, 224 px crops, 3 encoder/decoder layers, d_model 512, 8 heads,
  d_ff 512, dropout 0.1, 3 memory slots of 512 dims, max 60 tokens (IU X-Ray; 100 for MIMIC-CXR).
- R2GenCMN (Chen et al., ACL 2021, §3.2 and ``main_train.py``): memory matrix of 2,048 slots of
  512 dims, top-k 32 retrieval.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from cxrgen.config import from_dict as check_config
from cxrgen.errors import ConfigError


@dataclass
class EncoderConfig:
    """Image encoder: one backbone applied to each view of a study."""

    name: str = "resnet101"  # R2Gen's visual extractor
    weights: str | None = None  # local ImageNet / torchxrayvision / cxrgen state dict (``--encoder-weights``)
    weights_prefix: str | None = None  # key prefix of the encoder inside a larger checkpoint
    image_size: int = 224  # R2Gen: resize 256, random crop 224
    width: int = 64  # base channel width (torchvision: 64); smaller only for tests and the CPU demo
    freeze: bool = False  # keep the backbone's weights fixed (train only the decoder)


@dataclass
class PromptConfig:
    """CN-X2RG prompt features: a second image encoder whose output is fused with the patches.

    The paper (CN-CXR) uses MedCLIP's image tower; here any encoder of the registry, loaded from a
    local file, e.g. the image tower of cxrgen's own contrastive model (``cxrgen train --task
    contrastive`` trains the ``retrieval`` model; its backbone is the state dict's
    ``contrastive.image_encoder.visual.backbone.`` prefix: set ``encoder.weights_prefix`` to it).
    """

    encoder: EncoderConfig = field(default_factory=lambda: EncoderConfig(name="resnet50"))
    num_tokens: int = 4  # prompt tokens appended to the visual sequence
    freeze: bool = True  # a fixed feature extractor in CN-X2RG; trained with the rest when it has no weights


def _at_least_one(config, names: tuple[str, ...]) -> None:
    for name in names:
        if getattr(config, name) < 1:
            raise ConfigError(f"{name} must be >= 1, got {getattr(config, name)}")


def _check_heads(config, *dims: str) -> None:
    for dim in dims:
        if getattr(config, dim) % config.n_heads:
            raise ConfigError(f"{dim} ({getattr(config, dim)}) must be divisible by n_heads ({config.n_heads})")
    if not 0.0 <= config.dropout < 1.0:
        raise ConfigError(f"dropout must be in [0, 1), got {config.dropout}")


@dataclass
class TransformerConfig:
    """The encoder-decoder every captioning model shares; alone, the ``transformer`` baseline
    (R2Gen's "BASE" row: R2Gen without its memory). Defaults: R2Gen's, see the module docstring."""

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    d_model: int = 512
    n_layers: int = 3
    n_heads: int = 8
    d_ff: int = 512
    dropout: float = 0.1
    max_len: int = 60

    def __post_init__(self):
        _check_heads(self, "d_model")
        _at_least_one(self, ("d_model", "n_layers", "n_heads", "d_ff", "max_len"))


@dataclass
class R2GenConfig(TransformerConfig):
    """R2Gen: the encoder-decoder plus a relational memory of ``rm_num_slots`` slots of ``rm_d_model``."""

    rm_num_slots: int = 3
    rm_d_model: int = 512

    def __post_init__(self):
        super().__post_init__()
        _check_heads(self, "rm_d_model")
        _at_least_one(self, ("rm_num_slots",))


@dataclass
class CMNConfig(TransformerConfig):
    """R2GenCMN: the encoder-decoder plus a cross-modal memory of ``cmm_size`` slots, top-``cmm_topk`` read."""

    cmm_size: int = 2048
    cmm_topk: int = 32

    def __post_init__(self):
        super().__post_init__()
        _at_least_one(self, ("cmm_size", "cmm_topk"))


#: the models CN-X2RG is built on (the CN-CXR paper reports both)
CNX2RG_BASE_MODELS = ("r2gen", "r2gencmn")


@dataclass
class CNX2RGConfig(R2GenConfig):
    """CN-X2RG: R2Gen or R2GenCMN (``base_model``) + prompt features + an auxiliary label head.

    Carries the memory settings of both base models; the one ``base_model`` names is used.
    """

    cmm_size: int = 2048
    cmm_topk: int = 32
    base_model: str = "r2gen"  # "r2gen" or "r2gencmn"
    num_labels: int = 14  # aux head: the 14 CheXpert observations (CN-X2RG)
    prompt: PromptConfig = field(default_factory=PromptConfig)

    def __post_init__(self):
        super().__post_init__()
        _at_least_one(self, ("cmm_size", "cmm_topk"))
        if self.base_model not in CNX2RG_BASE_MODELS:
            raise ConfigError(f"cnx2rg base_model {self.base_model!r} is not one of {', '.join(CNX2RG_BASE_MODELS)}")
        if self.num_labels < 1:
            raise ConfigError("cnx2rg needs num_labels >= 1 for its auxiliary classification head")


@dataclass
class RetrievalConfig:
    """The retrieval baseline: an image-report contrastive encoder (CLIP-style) and a nearest-report index."""

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    embed_dim: int = 256  # joint embedding size
    d_model: int = 512  # text tower width
    text_layers: int = 2  # text tower depth
    n_heads: int = 8
    d_ff: int = 512
    dropout: float = 0.1
    max_len: int = 60  # words of the retrieved report kept
    temperature: float = 0.07  # initial InfoNCE temperature (CLIP's init)

    def __post_init__(self):
        _check_heads(self, "d_model")
        _at_least_one(self, ("embed_dim", "d_model", "text_layers", "n_heads", "d_ff", "max_len"))
        if self.temperature <= 0:
            raise ConfigError(f"temperature must be > 0, got {self.temperature}")


#: any model's config
ModelConfig = TransformerConfig | RetrievalConfig


def from_dict(cls: type, data: Any, where: str = "model"):
    """Build model config ``cls`` from a mapping with the one config checker (:func:`cxrgen.config.from_dict`).

    ``None`` values leave the default in place (options left unset do not override defaults).
    """
    return check_config(cls, data, where, none_is_default=True)


def to_dict(config) -> dict:
    """Plain dict of a config (for the checkpoint and the run folder)."""
    return dataclasses.asdict(config)

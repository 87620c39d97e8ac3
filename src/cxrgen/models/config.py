"""Typed configurations of the models (nanoGPT's ``GPTConfig`` pattern).

Each component takes its own dataclass. ``from_dict`` turns a YAML mapping into a config and
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
import types
import typing
from dataclasses import dataclass, field
from typing import Any

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
    channels_last: bool = True  # NHWC convolutions: same function, faster kernels (cuDNN, oneDNN), notably in bf16


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


@dataclass
class ModelConfig:
    """Report generator hyper-parameters (defaults: R2Gen / R2GenCMN papers, see module docstring)."""

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    d_model: int = 512
    n_layers: int = 3
    n_heads: int = 8
    d_ff: int = 512
    dropout: float = 0.1
    rm_num_slots: int = 3
    rm_d_model: int = 512
    cmm_size: int = 2048
    cmm_topk: int = 32
    max_len: int = 60
    num_labels: int = 14  # aux head: the 14 CheXpert observations (CN-X2RG); 0 = no head
    backbone: str = "r2gen"  # cnx2rg only: "r2gen" or "r2gencmn"
    prompt: PromptConfig | None = None  # cnx2rg only
    embed_dim: int = 256  # contrastive / retrieval: joint embedding size
    text_layers: int = 2  # contrastive / retrieval: text tower depth
    temperature: float = 0.07  # contrastive: initial InfoNCE temperature (CLIP's init)
    # Fidelity to the released R2Gen / R2GenCMN code (cuhksz-nlp/R2Gen modules/encoder_decoder.py,
    # att_model.py); the defaults are the reference, the alternatives are our named variants
    # (README, "Options that deviate from the papers"):
    norm_formula: str = "r2gen"  # every norm: "r2gen" = gamma (x - mean) / (unbiased std + 1e-6) + beta; "layer_norm" = F.layer_norm
    final_norm: str = "plain"  # r2gen: the decoder's last norm, "plain" (R2Gen) or "mcln" (memory-conditioned, +2.1 M params)
    drop_prob_lm: float = 0.5  # dropout after the visual embedding att_embed (R2Gen's --drop_prob_lm)
    rm_dropout: float = 0.1  # r2gen: attention dropout inside the relational memory (R2Gen's MultiHeadedAttention default)
    init: str = "r2gen"  # "r2gen": Xavier-uniform on the Transformer's matrices, MCLN biases 0.1; "torch": torch defaults
    fused_norm: bool = True  # r2gen: all MCLN scales / shifts of a step in two batched products (same numbers, faster)

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ConfigError(f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads})")
        if self.rm_d_model % self.n_heads:
            raise ConfigError(f"rm_d_model ({self.rm_d_model}) must be divisible by n_heads ({self.n_heads})")
        for name in ("d_model", "n_layers", "n_heads", "d_ff", "rm_num_slots", "max_len", "cmm_size", "cmm_topk"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("dropout", "drop_prob_lm", "rm_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        for name, valid in (("norm_formula", ("r2gen", "layer_norm")), ("final_norm", ("plain", "mcln")),
                            ("init", ("r2gen", "torch"))):
            if getattr(self, name) not in valid:
                raise ConfigError(f"{name}: unknown {getattr(self, name)!r}; valid: {', '.join(valid)}")


def from_dict(cls: type, data: Any, where: str = "model"):
    """Build dataclass ``cls`` from a mapping, recursing into nested config dataclasses.

    ``None`` values leave the default in place (options left unset do not override defaults).
    """
    if data is None:
        return cls()
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping or {cls.__name__}, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        if value is None and key not in ("weights", "weights_prefix", "prompt"):
            continue
        kwargs[key] = _coerce(hints[key], value, f"{where}.{key}")
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, where: str):
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, where)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, str, bool):
        if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: expected {hint.__name__}, got {type(value).__name__} {value!r}")
        return value
    return value


def to_dict(config) -> dict:
    """Plain dict of a config (for the checkpoint and the run folder)."""
    return dataclasses.asdict(config)

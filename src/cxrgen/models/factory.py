"""``create_model(name, config, vocab)``: the one way to build a report generator (timm / open_clip style)."""

from __future__ import annotations

import dataclasses
from typing import Any

from cxrgen.errors import ConfigError
from cxrgen.models import cmn, cnx2rg, r2gen, retrieval, transformer  # noqa: F401  (register the models)
from cxrgen.models.base import ReportGenerator
from cxrgen.models.config import ModelConfig, from_dict
from cxrgen.models.registry import MODEL_CONFIGS, MODELS
from cxrgen.text.vocab import Vocab


def list_models() -> list[str]:
    """Registered model names (the CLI's ``--model`` choices)."""
    return MODELS.names()


def create_model(name: str, config: ModelConfig | dict[str, Any] | None = None, vocab: Vocab | None = None) -> ReportGenerator:
    """Build model ``name`` from its config (an instance of the model's config class, e.g.
    :class:`~cxrgen.models.config.R2GenConfig`, a mapping from YAML, or ``None`` for the published
    defaults) and the vocabulary it writes with.

    Unknown names raise ``UnknownNameError`` listing the valid ones; unknown config keys or values of
    the wrong type raise ``ConfigError`` listing the valid keys.
    """
    factory = MODELS.get(name)
    if vocab is None or not isinstance(vocab, Vocab):
        raise ConfigError(f"create_model({name!r}) needs the Vocab the model writes with (got {type(vocab).__name__})")
    return factory(model_config(name, config), vocab)


def model_config(name: str, config: ModelConfig | dict[str, Any] | None = None) -> ModelConfig:
    """The typed config of model ``name`` from a mapping (checked), an instance or ``None`` (defaults).

    An option of another model is named as such ("'prompt' is an option of cnx2rg"), so that a
    preset pointed at the wrong model says which model it was written for.
    """
    cls = MODEL_CONFIGS.get(name)
    if config is not None and not isinstance(config, (dict, cls)):
        raise ConfigError(f"model {name}: expected a mapping or {cls.__name__}, got {type(config).__name__}")
    if isinstance(config, dict):
        own = {f.name for f in dataclasses.fields(cls)}
        foreign = {}
        for key in sorted(set(config) - own):
            owners = [m for m in MODEL_CONFIGS.names() if key in {f.name for f in dataclasses.fields(MODEL_CONFIGS.get(m))}]
            if owners:
                foreign[key] = owners
        if foreign:
            hints = "; ".join(f"{k!r} is an option of {', '.join(v)}" for k, v in foreign.items())
            use = " or ".join(f"the {m!r} model" for m in sorted({m for v in foreign.values() for m in v}))
            raise ConfigError(f"model {name}: {hints}; use {use} or remove the option(s) "
                              f"(valid keys for {name}: {', '.join(sorted(own))})")
    return from_dict(cls, config, where=f"model {name}")

"""``create_model(name, config, vocab)``: the one way to build a report generator (timm / open_clip style)."""

from __future__ import annotations

from typing import Any

from cxrgen.errors import ConfigError
from cxrgen.models import cmn, cnx2rg, r2gen, retrieval, transformer  # noqa: F401  (register the models)
from cxrgen.models.base import ReportGenerator
from cxrgen.models.config import ModelConfig, from_dict
from cxrgen.models.registry import MODELS
from cxrgen.text.vocab import Vocab


def list_models() -> list[str]:
    """Registered model names (the CLI's ``--model`` choices)."""
    return MODELS.names()


def create_model(name: str, config: ModelConfig | dict[str, Any] | None = None, vocab: Vocab | None = None) -> ReportGenerator:
    """Build model ``name`` from its config (a :class:`ModelConfig`, a mapping from YAML, or ``None``
    for the published defaults) and the vocabulary it writes with.

    Unknown names raise ``UnknownNameError`` listing the valid ones; unknown config keys or values of
    the wrong type raise ``ConfigError`` listing the valid keys.
    """
    factory = MODELS.get(name)
    if vocab is None or not isinstance(vocab, Vocab):
        raise ConfigError(f"create_model({name!r}) needs the Vocab the model writes with (got {type(vocab).__name__})")
    cfg = from_dict(ModelConfig, config, where=f"model {name}")
    return factory(cfg, vocab)

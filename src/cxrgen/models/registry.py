"""The model registry: ``@register_model("name")`` on a class or function ``(config, vocab) -> ReportGenerator``."""

from __future__ import annotations

from typing import Callable

from cxrgen.registry import Registry

MODELS: Registry[Callable] = Registry("model")
register_model = MODELS.register

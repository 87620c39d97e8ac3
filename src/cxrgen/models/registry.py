"""The model registry: ``@register_model("name", ConfigClass)`` on a class or function ``(config, vocab) -> ReportGenerator``.

Each model is registered with its typed config class (timm registers default configs with each
model the same way): :data:`MODEL_CONFIGS` maps the name to the dataclass that checks its options.
"""

from __future__ import annotations

from typing import Callable

from cxrgen.registry import Registry

MODELS: Registry[Callable] = Registry("model")
MODEL_CONFIGS: Registry[type] = Registry("model")


def register_model(name: str, config: type) -> Callable:
    """Decorator: register a model factory under ``name`` with its config dataclass ``config``."""

    def decorator(factory: Callable) -> Callable:
        MODEL_CONFIGS.register(name)(config)
        return MODELS.register(name)(factory)

    return decorator

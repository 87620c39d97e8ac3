"""The one checker of typed configurations: a mapping (YAML, a checkpoint) -> a config dataclass.

Every configuration in cxrgen is a dataclass (nanoGPT's ``GPTConfig`` pattern): the model
configs of :mod:`cxrgen.models.config`, the training sections of :mod:`cxrgen.train.config`,
:class:`cxrgen.decoding.config.DecodeConfig`. :func:`from_dict` builds one from a mapping and
refuses what a typo or a wrong type would otherwise slip through: an unknown key is a
:class:`~cxrgen.errors.ConfigError` that lists the valid keys, a value of the wrong type one that
names the field, the expected type and the value given. Ints are accepted where floats are
expected; nested config dataclasses are built recursively.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, Union

from cxrgen.errors import ConfigError


def from_dict(cls: type, data: Any, where: str = "config", *, none_is_default: bool = False):
    """Build dataclass ``cls`` from ``data`` (a mapping, an instance of ``cls``, or ``None`` = defaults).

    ``none_is_default``: a ``None`` value leaves the field's default in place unless the field's
    type allows ``None`` (model options left unset in a preset); otherwise ``None`` must type-check.
    """
    if data is None:
        return cls()
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping or {cls.__name__}, got {type(data).__name__}")
    fields = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; valid keys: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        if value is None and none_is_default and not _allows_none(hints[key]):
            continue
        kwargs[key] = _coerce(hints[key], value, f"{where}.{key}", none_is_default)
    return cls(**kwargs)


def _allows_none(hint: Any) -> bool:
    return typing.get_origin(hint) in (Union, types.UnionType) and type(None) in typing.get_args(hint)


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    return getattr(hint, "__name__", str(hint))


def _coerce(hint: Any, value: Any, where: str, none_is_default: bool = False) -> Any:
    """``value`` checked against the annotation ``hint`` (ints become floats where floats are expected)."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        if value in typing.get_args(hint):
            return value
    elif origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None and len(args) < len(typing.get_args(hint)):
            return None
        if len(args) == 1:  # Optional[X]: X's own message (a nested config's unknown key, say)
            return _coerce(args[0], value, where, none_is_default)
        for arg in args:
            try:
                return _coerce(arg, value, where, none_is_default)
            except ConfigError:
                continue
    elif dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where, none_is_default=none_is_default)
    elif hint is type(None):
        if value is None:
            return None
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint in (bool, int, str):
        if isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
            return value
    elif hint in (list, dict) or origin in (list, dict):
        if isinstance(value, origin or hint):
            return value
    else:
        raise TypeError(f"unsupported config annotation {hint!r} at {where}")
    raise ConfigError(f"{where}: expected {_type_name(hint)}, got {type(value).__name__} {value!r}")

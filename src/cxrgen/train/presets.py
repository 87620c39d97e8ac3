"""Training presets: YAML files shipped inside the package (``cxrgen/configs/*.yaml``).

They are package data, read through :mod:`importlib.resources`, so ``pip install cxrgen`` users
have them wherever site-packages is. ``--config NAME`` names a preset; ``--config FILE`` a YAML
file of one's own. A bare name is always a preset, never a folder or file of the working
directory: ``cxrgen demo --out demo`` makes a folder ``demo/`` that must not hijack ``--config demo``.

A preset may start from another with ``base: NAME``: the base's sections are read first and the
preset's keys replace theirs one by one (a key's value is replaced whole, as a ``key=value``
override would; ``model.options`` is not merged key by key).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from cxrgen.errors import ConfigError

#: the package folder that holds the presets
PRESET_PACKAGE, PRESET_FOLDER = "cxrgen", "configs"
_SUFFIXES = (".yaml", ".yml")


def _folder():
    return resources.files(PRESET_PACKAGE) / PRESET_FOLDER


def list_presets() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(p.name.rsplit(".", 1)[0] for p in _folder().iterdir() if p.name.endswith(_SUFFIXES))


def is_path(name_or_path: str | Path) -> bool:
    """A YAML file (``.yaml`` / ``.yml``, or anything with a folder in it) rather than a preset name."""
    s = str(name_or_path)
    return isinstance(name_or_path, Path) or s.endswith(_SUFFIXES) or "/" in s or "\\" in s


def _parse(text: str, where: str) -> dict:
    try:
        d = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(d, dict):
        raise ConfigError(f"{where}: the top level must be a mapping of sections")
    return d


def read_preset(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> tuple[dict, str]:
    """The preset's sections (its ``base:`` chain resolved) and where they came from (for messages)."""
    if is_path(name_or_path):
        p = Path(name_or_path)
        if not p.is_file():
            what = "is a folder, not a YAML file" if p.is_dir() else "does not exist"
            raise ConfigError(f"config file {p} {what}; give a YAML file or a preset name ({', '.join(list_presets())})")
        d, where = _parse(p.read_text(encoding="utf-8"), str(p)), str(p)
    else:
        name = str(name_or_path)
        item = _folder() / f"{name}.yaml"
        if not item.is_file():
            raise ConfigError(f"unknown preset {name!r}; presets: {', '.join(list_presets()) or '(none found)'}; "
                              f"or give a YAML file (NAME.yaml)")
        d, where = _parse(item.read_text(encoding="utf-8"), f"preset {name}"), f"preset {name}"
    base = d.pop("base", None)
    if base is None:
        return d, where
    if not isinstance(base, str) or base in _seen or base == str(name_or_path):
        raise ConfigError(f"{where}: base must name another preset, without cycles (got {base!r})")
    merged, _ = read_preset(base, _seen + (str(name_or_path),))
    for section, values in d.items():
        if isinstance(values, dict) and isinstance(merged.get(section), dict):
            merged[section] = {**merged[section], **values}
        else:
            merged[section] = values
    return merged, where

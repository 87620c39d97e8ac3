"""The dataset registry: ``@register_dataset(name)`` over a loader, ``load_dataset(name, root)``.

A loader is a callable ``loader(root, **options) -> Dataset`` (a function or a class whose
constructor returns/acts as one). The built-in loaders live one per module in this package and
are imported the first time the registry is queried, so ``list_datasets()`` always shows them
and the CLI takes its choices from here.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any, Callable

from cxrgen.data.dataset import Dataset, InvalidRows, LabelMapping, Skipped
from cxrgen.errors import ConfigError, InputError
from cxrgen.registry import Registry

__all__ = ["Dataset", "InvalidRows", "LabelMapping", "Skipped", "DATASETS", "register_dataset", "load_dataset",
           "list_datasets", "dataset_options", "label_mapping"]

DATASETS: Registry[Callable[..., Dataset]] = Registry("dataset")

# Modules of cxrgen.data holding the built-in loaders (one dataset per module).
BUILTIN_LOADERS = ("manifest", "iu_xray", "mimic_cxr", "casia_cxr_fr", "cn_cxr", "chestxray14", "phantom_manifest")

_loaded = False


#: dataset name -> how its labels map to a standard label set (declared with the loader)
_LABEL_MAPPINGS: dict[str, LabelMapping] = {}


def register_dataset(name: str, label_mapping: LabelMapping | None = None):
    """Decorator registering a loader under ``name``, with the mapping of its labels to a standard
    label set when its labels are its own (the phantom's findings -> CheXpert)."""
    if label_mapping is not None:
        _LABEL_MAPPINGS[name] = label_mapping
    return DATASETS.register(name)


def label_mapping(name: str) -> LabelMapping | None:
    """The label mapping dataset ``name`` declared, or ``None`` (its labels are used as they are)."""
    _ensure_builtins()
    return _LABEL_MAPPINGS.get(name)


def _ensure_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in BUILTIN_LOADERS:
        importlib.import_module(f"cxrgen.data.{mod}")


def list_datasets() -> list[str]:
    _ensure_builtins()
    return DATASETS.names()


def get_loader(name: str) -> Callable[..., Dataset]:
    _ensure_builtins()
    return DATASETS.get(name)


def dataset_options(name: str) -> list[str]:
    """The keyword options a loader accepts (besides ``root``)."""
    params = inspect.signature(get_loader(name)).parameters
    return [p for p in params if p not in ("root", "self") and params[p].kind is not inspect.Parameter.VAR_KEYWORD]


def load_dataset(name: str, root: str | Path, split_file: str | Path | None = None, **options: Any) -> Dataset:
    """Load a registered dataset from ``root``. Unknown options are a ConfigError listing the
    loader's options; a missing root is an InputError. ``split_file`` (written by
    ``cxrgen data split``) replaces the studies' splits."""
    loader = get_loader(name)
    valid = dataset_options(name)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ConfigError(f"dataset {name!r} has no option {', '.join(map(repr, unknown))}; "
                          f"valid options: {', '.join(valid) or '(none)'}")
    root = Path(root)
    if not root.exists():
        raise InputError(f"{root}: dataset root not found for {name!r}; pass the folder (or file) "
                         f"that holds the dataset with --root")
    ds = loader(root, **options)
    if not isinstance(ds, Dataset):
        raise TypeError(f"loader {name!r} returned {type(ds).__name__}, expected a Dataset")
    if split_file is not None:
        from cxrgen.data.splits import apply_split

        apply_split(ds, split_file)
    return ds

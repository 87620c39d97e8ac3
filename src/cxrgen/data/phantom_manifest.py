"""Phantom chest X-rays written by ``cxrgen data synth`` (the embedded default data).

Data card: synthetic studies (a frontal and a lateral-style view each) with exact ground-truth
labels and one report per language; ``cxrgen data synth --out DIR --langs en,fr,zh`` writes
``DIR/manifest_{lang}.jsonl`` in the generic manifest format (see :mod:`cxrgen.data.manifest`),
so this loader is the manifest loader pointed at one language's file. Counts: as many studies
as ``--studies``; splits are written by the generator. Access: generated locally, no terms.
Citation: this project.
"""

from __future__ import annotations

from pathlib import Path

from cxrgen.data.dataset import Dataset, LabelMapping
from cxrgen.data.manifest import load_manifest
from cxrgen.data.phantom.labels import PHANTOM_TO_CHEXPERT, to_chexpert
from cxrgen.data.registry import register_dataset
from cxrgen.errors import ConfigError, InputError
from cxrgen.text.languages import LANGUAGES


#: the phantom's findings as CheXpert observations: the 8 columns they can set (a phantom has no
#: fracture or support-device column, so those are not scored against it)
PHANTOM_CHEXPERT = LabelMapping("chexpert", tuple(dict.fromkeys(PHANTOM_TO_CHEXPERT.values())), to_chexpert)


@register_dataset("phantom", label_mapping=PHANTOM_CHEXPERT)
def load_phantom(root: str | Path, lang: str = "en", skip_invalid: bool = False) -> Dataset:
    """Load ``root/manifest_{lang}.jsonl`` (``root`` may also be that file)."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown phantom language {lang!r}; valid: {', '.join(LANGUAGES)}")
    root = Path(root)
    path = root if root.is_file() else root / f"manifest_{lang}.jsonl"
    if not path.is_file():
        found = sorted(p.name for p in root.glob("manifest_*.jsonl")) if root.is_dir() else []
        raise InputError(f"{path}: no phantom manifest for language {lang!r} (found: "
                         f"{', '.join(found) or 'none'}); generate it with "
                         f"`cxrgen data synth --out {root} --langs {lang}`")
    ds = load_manifest(path, skip_invalid=skip_invalid, name="phantom")
    ds.meta["lang"] = lang
    return ds

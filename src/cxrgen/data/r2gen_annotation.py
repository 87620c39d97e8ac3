"""The R2Gen ``annotation.json`` layout, shared by the IU X-Ray, MIMIC-CXR and CN-CXR loaders.

R2Gen (Chen et al., EMNLP 2020) ships each dataset as one JSON object
``{"train": [...], "val": [...], "test": [...]}`` whose entries hold at least ``id``,
``report`` and ``image_path`` (a list of paths relative to the image folder); MIMIC-CXR's also
hold ``study_id`` and ``subject_id``. This module reads and validates that layout once; each
loader turns the entries into :class:`~cxrgen.data.study.Study` records.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from cxrgen.data.dataset import InvalidRows
from cxrgen.errors import InputError

SPLIT_KEYS = ("train", "val", "test")
REQUIRED = ("id", "report", "image_path")


def iter_entries(path: Path, rows: InvalidRows,
                 required: tuple[str, ...] = REQUIRED) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield ``(split, where, entry)`` for every valid entry of an R2Gen annotation file.

    ``where`` names the file and entry (``annotation.json:test[12]``) for error messages. An
    entry lacking a required key is rejected through ``rows`` (an error, or counted and skipped
    with ``skip_invalid``); a file that is not such an object is an :class:`InputError`.
    """
    try:
        # utf-8-sig: annotation files re-saved by Windows tools start with a BOM
        ann = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable R2Gen annotation.json ({exc}); it must be UTF-8 JSON") from None
    if not isinstance(ann, dict) or set(ann) - set(SPLIT_KEYS):
        raise InputError(f"{path}: expected an object with keys {', '.join(SPLIT_KEYS)}")
    for split_key, entries in ann.items():
        for i, e in enumerate(entries):
            where = f"{path}:{split_key}[{i}]"
            if not isinstance(e, dict) or not set(required) <= set(e):
                rows.reject(where, f"entry lacks one of {', '.join(required)}", "fix the annotation entry")
                continue
            yield str(e.get("split", split_key)), where, e


def image_paths(entry: dict[str, Any]) -> list[str]:
    """The entry's image paths; a single string is accepted as a one-image study."""
    paths = entry["image_path"]
    return [paths] if isinstance(paths, str) else list(paths)

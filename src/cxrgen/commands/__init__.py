"""The ``cxrgen`` subcommands (one module each) and the little they share."""

from __future__ import annotations

import json
from typing import Iterable


def write_jsonl(path: str, rows: Iterable[dict], option: str) -> None:
    """Write ``rows`` as JSONL to ``path``; a path that cannot be written is an InputError that
    names the command-line ``option`` it came from."""
    from cxrgen.errors import InputError

    try:
        with open(path, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write ({exc.strerror})") from None

"""The run folder's guard: a new run never writes over an old one.

``cxrgen train`` into a folder that already holds files would replace ``best.pt`` with a worse
one, append a second step 2 to ``metrics.csv`` and add a second TensorBoard event file. So a
non-empty run folder is refused unless the run continues it (``--resume``) or the user asks for
``--overwrite``, which *moves* the old run aside to ``<folder>.old-<UTC time>``; nothing is deleted.
"""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

from cxrgen.errors import ConfigError


def aside_name(folder: Path) -> Path:
    """``runs/x`` -> ``runs/x.old-20261204T153000Z`` (``-2``, ``-3``, ... if that exists too)."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = folder.with_name(f"{folder.name}.old-{stamp}")
    n = 2
    while target.exists():
        target = folder.with_name(f"{folder.name}.old-{stamp}-{n}")
        n += 1
    return target


def prepare_run_folder(folder: str | Path, resume: str | Path | None = None, overwrite: bool = False,
                       move: bool = True) -> Path | None:
    """Refuse a non-empty ``folder`` unless ``resume`` or ``overwrite``; with ``overwrite`` move it aside
    (only where ``move``: rank 0 of a distributed run) and return where it went."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"run folder {folder} is a file; give another --out (train.out)")
    if resume or not folder.is_dir():
        return None
    entries = sorted(p.name for p in folder.iterdir())
    if not entries:
        return None
    if not overwrite:
        shown = ", ".join(entries[:5]) + (f", ... ({len(entries)} entries)" if len(entries) > 5 else "")
        raise ConfigError(
            f"run folder {folder} already holds a run ({shown}); continue it with --resume {folder / 'last.pt'}, "
            f"move it aside with --overwrite, or give another --out")
    if not move:
        return None
    target = aside_name(folder)
    folder.rename(target)
    print(f"--overwrite: the previous run in {folder} was moved to {target}", file=sys.stderr)
    return target

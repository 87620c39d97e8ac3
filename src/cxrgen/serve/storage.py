"""Images on disk by content hash (SHA-256): ``<root>/ab/cd/abcd....<ext>``.

The same bytes uploaded twice are stored once; a file is written to a temporary name and renamed
into place, so a process killed mid-write never leaves a truncated file under a valid hash.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from cxrgen.errors import InputError

_HASH = re.compile(r"^[0-9a-f]{64}$")


class ContentStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        # The hash comes from the database, but a malformed value must never become a path
        # outside the store (``../``), hence the strict check.
        if not _HASH.match(sha256 or ""):
            raise InputError(f"invalid content hash {sha256!r}: expected 64 lowercase hex digits")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        dest = self.path(sha)
        if dest.exists():
            return sha
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        p = self.path(sha256)
        if not p.is_file():
            raise InputError(f"stored file {sha256} is missing from {self.root}; the store was "
                             f"moved or pruned: restore it from backup")
        return p.read_bytes()

    def __contains__(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

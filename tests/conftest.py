"""Shared pytest fixtures.

``shared_data`` is the folder of real public chest X-ray material that lives beside the
repository (``../shared/data``); it is never copied into the repository. Tests that need it
take this fixture and are skipped, with the reason shown, where the folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data``; skips the test when the real data is not on this machine."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (see shared/data/README.md)")
    return SHARED_DATA

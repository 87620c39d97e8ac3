"""Data fixtures loaded once per session (the real files take seconds to parse on 2 cores)."""

from __future__ import annotations

import pytest

from cxrgen.data.registry import load_dataset


@pytest.fixture(scope="session")
def iu_xml(shared_data):
    """IU X-Ray from the 3,955 Open-i XML reports (28 empty reports skipped and counted).
    Tests may set splits on it but must not remove studies."""
    return load_dataset("iu_xray", shared_data / "iu_xray", format="xml", skip_invalid=True)

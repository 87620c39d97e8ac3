"""A real local Ray instance for the ``cxrgen batch`` tests: 2 CPUs, a small object store, no
dashboard, no usage report; one per test module (starting Ray takes seconds)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'cxrgen[batch]')")

#: MB of object store per test instance: shards travel as small JSON cells, and other jobs share
#: this machine
OBJECT_STORE_MB = 200

SENTENCES = [
    "The heart is normal in size.", "Mild cardiomegaly.", "The heart is enlarged.",
    "No pleural effusion.", "Small left pleural effusion.", "Bilateral pleural effusions.",
    "No pneumothorax.", "Small right apical pneumothorax.", "The lungs are clear.",
    "Patchy opacity in the right lower lobe may represent pneumonia.", "No focal consolidation.",
    "Left basilar atelectasis.", "Possible nodule in the left upper lobe.", "Pulmonary edema.",
    "Degenerative changes of the thoracic spine.", "No acute cardiopulmonary abnormality.",
]


def make_reports(n: int, seed: int = 0) -> list[str]:
    """Reports of 2-5 sentences drawn (seeded) from SENTENCES."""
    rng = random.Random(seed)
    return [" ".join(rng.sample(SENTENCES, rng.randint(2, 5))) for _ in range(n)]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def local_ray():
    """ray.init(address="local") in this process; `cxrgen batch` reuses it (no --address)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address="local", num_cpus=2, object_store_memory=OBJECT_STORE_MB * 1024 * 1024,
             include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()

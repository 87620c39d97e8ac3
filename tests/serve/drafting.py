"""The drafter the service tests run with: the real ``cxrgen.load`` on a tiny checkpoint trained
in the test session (phantom data from ``cxrgen data synth``, a narrow R2Gen, a few steps).

The model is far too small to write a good report; the tests check what the service does with
whatever the model writes (text, labels, graph, attention maps), not the report's quality.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

#: Training settings: 64 px images, d_model 32, one layer, 4 optimiser steps (~10 s on one core).
TINY_CONFIG = {
    "data": {"dataset": "phantom", "resize": 64, "crop": 64, "threshold": 1,
             "max_seq_length": 24, "max_eval_studies": 2},
    "model": {"name": "r2gen", "options": {
        "d_model": 32, "n_layers": 1, "n_heads": 4, "d_ff": 64, "dropout": 0.1,
        "rm_num_slots": 3, "rm_d_model": 32,
        "encoder": {"name": "resnet18", "width": 8, "image_size": 64}}},
    "decode": {"beam_size": 2, "max_len": 20},
    "train": {"epochs": 1, "max_steps": 4, "batch_size": 4, "device": "cpu", "threads": 1,
              "progress": False, "seed": 0},
}


def train_tiny_checkpoint(folder: Path) -> Path:
    """Synthesize 12 phantom studies and train the tiny model; returns ``last.pt``."""
    import torch

    from cxrgen.cli import main
    from cxrgen.train.config import Config
    from cxrgen.train.experiment import run

    phantom = folder / "phantom"
    rc = main(["data", "synth", "--out", str(phantom), "--studies", "12", "--size", "64",
               "--langs", "en", "--quiet"])
    if rc != 0:
        raise RuntimeError(f"cxrgen data synth failed with status {rc}")
    cfg = {k: dict(v) for k, v in TINY_CONFIG.items()}
    cfg["data"]["root"] = str(phantom)
    cfg["train"]["out"] = str(folder / "run")
    threads = torch.get_num_threads()  # the run sets 1 thread; give the rest of the session back
    try:
        result = run(Config.from_dict(cfg))
    finally:
        torch.set_num_threads(threads)
    return Path(result.run_dir) / "last.pt"


_CACHE: dict[str, Path] = {}


def tiny_checkpoint() -> Path:
    """One checkpoint per test session (also used by the restart test's subprocess)."""
    if "ckpt" not in _CACHE:
        _CACHE["ckpt"] = train_tiny_checkpoint(Path(tempfile.mkdtemp(prefix="cxrgen-serve-ckpt-")))
    return _CACHE["ckpt"]


def make_drafter():
    from cxrgen.serve.drafter import CheckpointDrafter

    return CheckpointDrafter(tiny_checkpoint(), beam_size=2)

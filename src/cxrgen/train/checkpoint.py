"""Checkpoints that describe themselves and resume exactly.

A checkpoint is one ``torch.save`` file holding:

- what inference needs: model name and weights, the resolved config, the vocabulary, the
  tokenizer/normaliser names, the image preprocessing, the label names;
- provenance: package versions, git sha, seed, creation time;
- what exact resumption needs: optimiser, scheduler and grad-scaler states, the RNG states of
  python / numpy / torch, the sampler position, epoch and step, the best validation score so far.

It is read with ``torch.load(weights_only=True)``: only tensors and plain containers, so a
checkpoint from someone else cannot run code on load. The numpy RNG state is stored as a
tensor for that reason. Writes are atomic (temporary file + rename) so that a run killed while
saving never leaves a truncated ``last.pt``.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import random
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cxrgen.inference import CHECKPOINT_FORMAT, CHECKPOINT_VERSION, read_checkpoint

FORMAT = CHECKPOINT_FORMAT
FORMAT_VERSION = CHECKPOINT_VERSION


# --------------------------------------------------------------------------- provenance


def package_versions() -> dict[str, str]:
    """Versions of the packages that move the numbers, recorded with every run and checkpoint."""
    out = {"python": platform.python_version()}
    for name in ("cxrgen", "torch", "numpy", "pillow", "pydicom", "jieba", "pyyaml"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def git_sha(cwd: str | Path | None = None) -> str:
    """The commit of the source tree cxrgen runs from ("unknown" outside a git checkout)."""
    cwd = cwd or Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd, capture_output=True, text=True, timeout=5,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# --------------------------------------------------------------------------- RNG states


def rng_state() -> dict[str, Any]:
    np_state = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": {
            "key": torch.from_numpy(np_state[1].astype(np.int64)),
            "pos": int(np_state[2]),
            "has_gauss": int(np_state[3]),
            "cached_gaussian": float(np_state[4]),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    py = state["python"]
    # weights_only loading turns the inner tuple into a list; random.setstate wants tuples
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    # a checkpoint loaded with map_location=cuda brings these tensors to the GPU; RNG states live on the host
    np.random.set_state(("MT19937", n["key"].cpu().numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# --------------------------------------------------------------------------- save / load


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The model inside a DistributedDataParallel wrapper (its state_dict keys have no ``module.``)."""
    return getattr(model, "module", model)


def save_checkpoint(path: str | Path, **fields: Any) -> Path:
    """Write a checkpoint atomically. ``fields`` are stored as given, plus format and provenance.

    Expected fields: model_name, model (state_dict), config (dict), vocab (dict), text (tokenizer
    and normaliser names), preprocessing, label_names, seed, epoch, step; for resumption also
    optimizer, scheduler, scaler, rng, sampler, best, history.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": package_versions(),
        "git_sha": git_sha(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    payload.update(fields)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a cxrgen checkpoint; anything else is an :class:`InputError` that says what it is.

    The reader lives in the library (:func:`cxrgen.inference.read_checkpoint`) because inference
    needs it and the library never imports ``train/``.
    """
    return read_checkpoint(path, map_location=map_location)

"""Checkpoints that describe themselves and resume exactly: the one module that writes and reads them.

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

:func:`save_checkpoint` writes one (training), :func:`read_checkpoint` reads the whole payload
(resumption), :class:`Checkpoint` is the typed view of what inference and evaluation use.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import random
import subprocess
from importlib import metadata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cxrgen.decoding.config import DecodeConfig
from cxrgen.errors import ConfigError, InputError

FORMAT = "cxrgen-checkpoint"
#: 2: ``model_config`` holds the fields of the model's own config class (1: one shared config for
#: every model, CN-X2RG's base model under ``backbone``); version 1 files are upgraded on reading
FORMAT_VERSION = 2


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
    np.random.set_state(("MT19937", n["key"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


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


def read_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a cxrgen checkpoint (``torch.load(weights_only=True)``: it cannot run code).

    Anything else is an :class:`InputError` that says what the file is and what to give instead.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"checkpoint {path} does not exist (give the best.pt / last.pt written by `cxrgen train`)")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many types for a file that is not a checkpoint
        first_line = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
        raise InputError(
            f"{path} is not a readable cxrgen checkpoint (torch cannot load it as a weights-only file: "
            f"{type(exc).__name__}: {first_line}); give a best.pt / last.pt written by `cxrgen train`"
        ) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise InputError(
            f"{path} is a torch file but not a cxrgen checkpoint (no format={FORMAT!r} field); "
            "give a best.pt / last.pt written by `cxrgen train`"
        )
    if ckpt.get("format_version", 0) > FORMAT_VERSION:
        raise InputError(
            f"{path} has checkpoint format {ckpt['format_version']}, newer than this cxrgen reads "
            f"({FORMAT_VERSION}); upgrade cxrgen"
        )
    return ckpt


# --------------------------------------------------------------------------- the typed view


#: the fields generation cannot do without (a contrastive-only or interrupted run lacks some)
_INFERENCE_FIELDS = ("model_name", "model_config", "vocab", "model")


@dataclass
class Checkpoint:
    """What a checkpoint tells inference and evaluation, typed; ``payload`` keeps the whole file.

    ``text`` holds the tokenizer name, ``language``, report ``section`` and ``max_seq_length``;
    ``preprocessing`` the evaluation transform (resize, crop, mean, std) and ``max_views``;
    ``dataset`` the name, root and options of the training data.
    """

    model_name: str
    model_config: dict
    weights: dict  # the model's state dict
    vocab: dict  # cxrgen.text.vocab.Vocab.to_dict()
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    preprocessing: dict = field(default_factory=dict)
    text: dict = field(default_factory=dict)
    label_names: list = field(default_factory=list)
    dataset: dict = field(default_factory=dict)
    seed: int | None = None
    epoch: int | None = None
    versions: dict = field(default_factory=dict)
    git_sha: str | None = None
    path: str = ""
    payload: dict = field(default_factory=dict, repr=False)

    @property
    def language(self) -> str | None:
        return self.text.get("language")

    @property
    def section(self) -> str:
        return self.text.get("section", "findings")

    @classmethod
    def from_payload(cls, payload: dict[str, Any], path: str | Path = "") -> "Checkpoint":
        from cxrgen.config import from_dict

        for key in _INFERENCE_FIELDS:
            if key not in payload:
                raise InputError(f"the checkpoint has no {key!r}: it was written by a run that cannot be used "
                                 "for generation (e.g. an interrupted or contrastive-only run)")
        if payload.get("format_version", 0) < 2:
            payload = _upgrade_v1(payload)
        decode = (payload.get("config") or {}).get("decode") or {}
        try:
            decode = from_dict(DecodeConfig, decode, where=f"{path or 'checkpoint'}: config.decode")
        except ConfigError as exc:
            raise InputError(str(exc)) from None
        return cls(model_name=payload["model_name"], model_config=payload["model_config"], weights=payload["model"],
                   vocab=payload["vocab"], decode=decode, preprocessing=payload.get("preprocessing") or {},
                   text=payload.get("text") or {}, label_names=list(payload.get("label_names") or []),
                   dataset=payload.get("dataset") or {}, seed=payload.get("seed"), epoch=payload.get("epoch"),
                   versions=payload.get("versions") or {}, git_sha=payload.get("git_sha"), path=str(path),
                   payload=payload)

    @classmethod
    def read(cls, path: str | Path, map_location: str | torch.device = "cpu") -> "Checkpoint":
        """Read and check a checkpoint file (:func:`read_checkpoint`) and type what inference uses."""
        return cls.from_payload(read_checkpoint(path, map_location=map_location), path)


def _upgrade_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """A format-1 payload as format 2: the shared model config cut to the model's own fields.

    Format 1 stored every model's hyper-parameters in one config; the fields a model did not have
    were unused by it, so keeping its own is the same model. CN-X2RG's ``backbone`` is ``base_model``.
    """
    import dataclasses

    from cxrgen.models import MODEL_CONFIGS

    config = dict(payload["model_config"])
    if "backbone" in config:
        config["base_model"] = config.pop("backbone")
    own = {f.name for f in dataclasses.fields(MODEL_CONFIGS.get(payload["model_name"]))}
    return {**payload, "model_config": {k: v for k, v in config.items() if k in own}, "format_version": 2}

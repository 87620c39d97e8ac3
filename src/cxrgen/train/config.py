"""Typed training configuration: dataclasses, YAML presets, ``key=value`` overrides.

The pattern is nanoGPT's ``GPTConfig``: each component takes its own dataclass. A preset in
``configs/*.yaml`` has one mapping per section (``data``, ``model``, ``optim``, ``train``,
``decode``); a key that is not a field, or a value of the wrong type, is a :class:`ConfigError`
that lists the valid keys (the one checker, :func:`cxrgen.config.from_dict`). YAML is read with ``yaml.safe_load`` only (no object construction).

The resolved config (defaults filled in, overrides applied) is written into the run folder and
into every checkpoint, so a run can be repeated from either.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from cxrgen.config import from_dict
from cxrgen.data.transforms import R2GEN_CROP, R2GEN_RESIZE
from cxrgen.decoding.config import DecodeConfig
from cxrgen.errors import ConfigError
from cxrgen.text.languages import LANGUAGES


@dataclass
class DataConfig:
    """Which studies, how the report is tokenised and how images are prepared."""

    dataset: str = "phantom"  # a name in cxrgen.data.registry
    root: str = ""  # dataset folder; "" = the dataset's default
    options: dict = field(default_factory=dict)  # extra keyword options of the dataset loader
    language: Literal[LANGUAGES] = "en"  # a code of cxrgen.text.languages
    section: str = "findings"  # Study.report(section)
    tokenizer: str = ""  # name in cxrgen.text; "" = the language's default
    max_seq_length: int = 60  # tokens kept per report, R2Gen's max_seq_length
    threshold: int = 3  # vocabulary frequency threshold (R2Gen: 3 on IU X-Ray, 10 on MIMIC-CXR)
    resize: int = R2GEN_RESIZE
    crop: int = R2GEN_CROP
    max_views: int = 2  # images per study fed to the model (frontal + lateral on IU X-Ray)
    num_workers: int = 0
    cache_images: bool = False  # keep the training images decoded and resized in memory (small data sets)
    max_train_studies: int = 0  # 0 = all; small values for smoke tests
    max_eval_studies: int = 0
    # CN-X2RG data pipeline (augment.py, sampling.py)
    sentence_shuffle: float = 0.0  # probability of shuffling a training report's sentences
    entity_swap: float = 0.0  # probability of one entity-graph swap per training report
    oversample_rare: bool = False
    oversample_max_factor: int = 10  # CN-X2RG: rare findings repeated at most x10 ...
    oversample_max_per_finding: int = 5000  # ... and at most 5,000 samples per finding


@dataclass
class ModelSpec:
    """Which model to train and its options (checked against that model's typed config,
    :class:`cxrgen.models.config.ModelConfig`, when the model is built)."""

    name: str = "r2gen"  # a name in cxrgen.models
    options: dict = field(default_factory=dict)  # passed to cxrgen.models.create_model
    encoder_weights: str = ""  # local weight file for the image encoder
    aux_loss_weight: float = 0.0  # CN-X2RG: loss = CE + lambda * BCE(aux head, labels)


@dataclass
class OptimConfig:
    """AdamW with one learning rate for the image encoder and one for the rest (R2Gen: lr_ve, lr_ed)."""

    lr_encoder: float = 5e-5
    lr_decoder: float = 1e-4
    weight_decay: float = 5e-5
    betas: list = field(default_factory=lambda: [0.9, 0.98])
    schedule: Literal["constant", "step", "cosine", "warmup_cosine"] = "step"
    step_size: int = 50  # epochs, for "step" (R2Gen: StepLR step 50, gamma 0.1 on IU X-Ray)
    gamma: float = 0.1
    warmup_steps: int = 0  # optimiser steps, for "warmup_cosine"
    grad_clip: float = 0.1  # max gradient norm (R2Gen clips at 0.1); 0 = off
    accumulate: int = 1  # batches per optimiser step
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"


@dataclass
class PretrainConfig:
    """Warm start of the image encoder on the training labels (see cxrgen.train.pretrain)."""

    steps: int = 0  # 0 = off (use model.encoder_weights for ImageNet / torchxrayvision weights)
    lr: float = 3e-3
    batch_size: int = 16
    threads: int = 0  # CPU threads for the warm start (0 = train.threads): it is all convolutions, which use
    #                   a second core well, unlike the small decoder steps of the captioning training


@dataclass
class TrainConfig:
    task: Literal["captioning", "contrastive"] = "captioning"  # contrastive: image-report InfoNCE
    epochs: int = 100
    batch_size: int = 16  # per process
    eval_batch_size: int = 32
    seed: int = 9223  # R2Gen's default seed
    out: str = "runs/train"
    monitor: str = "BLEU-4"  # validation metric that picks best.pt; "loss" or any metric name
    monitor_mode: Literal["max", "min"] = "max"
    val_every: int = 1  # epochs
    early_stop: int = 0  # epochs without improvement before stopping; 0 = never
    keep_every: int = 0  # also keep epoch_NNN.pt every N epochs (last.pt and best.pt always)
    max_steps: int = 0  # stop after this many optimiser steps; 0 = no limit (tests, benchmarks)
    log_every: int = 10  # batches between log lines
    progress: bool = True  # a progress line with loss and speed on stderr
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    threads: int = 0  # CPU threads for torch; 0 = torch's default. 1 is fastest for small models on a
    # busy machine: OpenMP threads that wait for a shared core cost more than they give


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelSpec = field(default_factory=ModelSpec)
    optim: OptimConfig = field(default_factory=OptimConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None, where: str = "config") -> "Config":
        return from_dict(cls, d or {}, where)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


# --------------------------------------------------------------------------- presets and overrides

CONFIG_DIR = Path(__file__).resolve().parents[3] / "configs"


def preset_path(name_or_path: str | Path) -> Path:
    """A YAML path as given, or the name of a preset in ``configs/`` (``r2gen_iu_xray``)."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist")
        return p
    candidate = CONFIG_DIR / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    valid = ", ".join(sorted(q.stem for q in CONFIG_DIR.glob("*.yaml"))) or "(none found)"
    raise ConfigError(f"unknown config {name_or_path!r}: not a file and not a preset; presets: {valid}")


def apply_overrides(d: dict, overrides: list[str]) -> dict:
    """Apply ``section.key=value`` strings; the value is parsed as YAML (``3``, ``1e-4``, ``[a, b]``)."""
    d = {k: dict(v) if isinstance(v, dict) else v for k, v in d.items()}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r} is not of the form section.key=value (e.g. train.epochs=3)")
        key, raw = item.split("=", 1)
        parts = key.strip().split(".")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as exc:
            raise ConfigError(f"override {item!r}: value is not valid YAML ({exc})") from None
        value = _fix_scientific(value)
        node = d
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r}: {part!r} is not a section")
        node[parts[-1]] = value
    return d


def _fix_scientific(d: Any) -> Any:
    """YAML 1.1 (PyYAML) reads ``5e-5`` (no dot) as a string; presets write it that way, so convert."""
    if isinstance(d, dict):
        return {k: _fix_scientific(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_fix_scientific(v) for v in d]
    if isinstance(d, str):
        try:
            if "e" in d.lower() and d.strip()[0] in "0123456789.-+":
                return float(d)
        except (ValueError, IndexError):
            return d
    return d


def load_config(name_or_path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read a preset (name or YAML path), apply ``key=value`` overrides, check every key and type."""
    d: dict = {}
    where = "config"
    if name_or_path:
        path = preset_path(name_or_path)
        where = str(path)
        try:
            d = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc})") from None
        if not isinstance(d, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of sections")
    d = apply_overrides(_fix_scientific(d), overrides or [])
    return Config.from_dict(d, where)


def save_config(config: Config, path: str | Path) -> None:
    Path(path).write_text(config.to_yaml(), encoding="utf-8")

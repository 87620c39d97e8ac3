"""The training loop: epochs of optimiser steps, validation, checkpoints, exact resumption.

The loop knows nothing of datasets or model architectures. It is given

- a model following the ``cxrgen.models`` interface (``model(images, view_mask, tokens)`` returns
  ``{"logits": (B, T-1, V), "aux_logits": (B, L)?}``; for ``task=contrastive``
  ``{"contrastive_logits": (B, B)}`` with the matching pairs on the diagonal),
- a map-style training dataset and its ``collate_fn`` (batches are dicts of tensors: ``images``
  (B, V, 3, H, W), ``view_mask`` (B, V), ``tokens`` (B, T), optionally ``labels`` / ``label_mask``
  (B, L)),
- a validation function ``val_fn(model) -> {metric: value}`` run on rank 0 (scores the
  validation split only: the test split never picks a checkpoint),
- ``meta``: what the checkpoint must carry so that inference needs nothing else (model name,
  vocabulary, text processing names, preprocessing, label names).

Exact resumption: a checkpoint is written at the end of every epoch (``last.pt``) and where the
run stops early (``train.max_steps``); it holds model, optimiser, scheduler, grad scaler, the RNG
states of every rank and the sampler position, so the resumed run draws the same batches,
dropout masks and augmentations as one that never stopped. The data loader has its own
generator so creating it does not consume the global RNG (which would shift dropout masks).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from cxrgen.errors import ConfigError
from cxrgen.models.contrastive import info_nce
from cxrgen.train import distributed as D
from cxrgen.pipeline.checkpoint import (
    package_versions,
    read_checkpoint,
    rng_state,
    save_checkpoint,
    seed_everything,
    set_rng_state,
    unwrap,
)
from cxrgen.train.config import Config, save_config
from cxrgen.train.logging import RunLogger
from cxrgen.train.optim import autocast, build_optimizer, build_scaler, build_scheduler


@dataclass
class TrainState:
    epoch: int = 0  # the epoch to run next (0-based)
    step: int = 0  # optimiser steps done
    best: float | None = None
    best_epoch: int | None = None
    epochs_without_improvement: int = 0
    history: list = field(default_factory=list)  # one dict of validation metrics per validated epoch


# --------------------------------------------------------------------------- losses


def captioning_loss(logits: torch.Tensor, tokens: torch.Tensor, pad_id: int) -> torch.Tensor:
    """Token cross-entropy of next-token predictions, padding ignored (R2Gen's LanguageModelCriterion)."""
    target = tokens[:, 1:]  # (B, T-1): the model predicts token t+1 from tokens <= t
    return F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=pad_id)


def multilabel_loss(aux_logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """BCE of the auxiliary disease head (CN-X2RG); unknown / uncertain labels are masked out."""
    loss = F.binary_cross_entropy_with_logits(aux_logits.float(), labels.float(), reduction="none")
    if mask is None:
        return loss.mean()
    mask = mask.float()
    return (loss * mask).sum() / mask.sum().clamp(min=1.0)


def compute_loss(model, batch: dict, config: Config, pad_id: int) -> dict[str, torch.Tensor]:
    """The loss of one batch and its parts, for ``train.task``."""
    out = model(batch["images"], batch["view_mask"], batch["tokens"])
    if config.train.task == "contrastive":
        loss = info_nce(out["contrastive_logits"])  # symmetric InfoNCE (CLIP, Radford et al. 2021)
        return {"loss": loss, "contrastive": loss.detach()}
    ce = captioning_loss(out["logits"], batch["tokens"], pad_id)
    parts = {"loss": ce, "ce": ce.detach()}
    lam = config.model.aux_loss_weight
    if lam > 0 and out.get("aux_logits") is not None and "labels" in batch:
        bce = multilabel_loss(out["aux_logits"], batch["labels"], batch.get("label_mask"))
        parts["loss"] = ce + lam * bce
        parts["bce"] = bce.detach()
    return parts


def to_device(batch: dict, device: torch.device) -> dict:
    return {k: (v.to(device, non_blocking=True) if torch.is_tensor(v) else v) for k, v in batch.items()}


# --------------------------------------------------------------------------- trainer


class Trainer:
    """Runs ``config.train.epochs`` epochs; see the module docstring for the contract."""

    def __init__(
        self,
        config: Config,
        model: torch.nn.Module,
        train_set,
        *,
        collate_fn: Callable,
        pad_id: int,
        meta: dict[str, Any],
        val_fn: Callable[[torch.nn.Module], dict[str, float]] | None = None,
        run_dir: str | Path | None = None,
        dist: D.DistInfo | None = None,
    ):
        self.config = config
        self.dist = dist or D.DistInfo()
        self.device = D.resolve_device(config.train.device, self.dist)
        self.pad_id = pad_id
        self.meta = meta
        self.val_fn = val_fn
        self.run_dir = Path(run_dir or config.train.out)
        self.train_set = train_set
        self.collate_fn = collate_fn
        if len(train_set) == 0:
            raise ConfigError("the training set is empty: check data.dataset / data.root / the split names")

        model_task = getattr(model, "task", "captioning")
        if model_task != config.train.task:
            raise ConfigError(f"model {config.model.name!r} trains with train.task={model_task!r}, but the config "
                              f"says train.task={config.train.task!r}; set train.task={model_task}")
        self.model = model.to(self.device)
        self.ddp_model = D.wrap_model(self.model, self.dist, self.device)
        t = config.train
        self.sampler = D.ResumableDistributedSampler(
            train_set, num_replicas=self.dist.world_size, rank=self.dist.rank, shuffle=True, seed=t.seed
        )
        self.batches_per_epoch = math.ceil(self.sampler.num_samples / t.batch_size)
        self.steps_per_epoch = math.ceil(self.batches_per_epoch / config.optim.accumulate)
        total = self.steps_per_epoch * t.epochs
        if t.max_steps:
            total = min(total, t.max_steps)
        self.optimizer = build_optimizer(self.model, config.optim)
        self.scheduler = build_scheduler(self.optimizer, config.optim, self.steps_per_epoch, total)
        self.scaler = build_scaler(config.optim.precision, self.device)
        self.state = TrainState()
        self.step_losses: list[float] = []  # every optimiser step's loss on this rank (tests, benches)
        self.logger = RunLogger(self.run_dir, enabled=self.dist.is_main, progress=t.progress)

    # ----------------------------------------------------------------- checkpoints

    def _gather_rng(self) -> list:
        states = [rng_state()]
        if self.dist.enabled:
            states = [None] * self.dist.world_size
            torch.distributed.all_gather_object(states, rng_state())
        return states

    def save(self, path: Path, rng: list) -> None:
        c = self.config
        save_checkpoint(
            path,
            model_name=c.model.name,
            model=unwrap(self.model).state_dict(),
            config=c.to_dict(),
            seed=c.train.seed,
            epoch=self.state.epoch,
            step=self.state.step,
            optimizer=self.optimizer.state_dict(),
            scheduler=self.scheduler.state_dict(),
            scaler=self.scaler.state_dict(),
            rng=rng,
            sampler=self.sampler.state_dict(),
            best=self.state.best,
            best_epoch=self.state.best_epoch,
            epochs_without_improvement=self.state.epochs_without_improvement,
            history=self.state.history,
            **self.meta,
        )

    def checkpoint(self, name: str, extra_names: tuple[str, ...] = ()) -> None:
        rng = self._gather_rng()  # collective: every rank takes part
        if self.dist.is_main:
            self.save(self.run_dir / name, rng)
            for other in extra_names:
                self.save(self.run_dir / other, rng)
        D.barrier(self.dist)

    def resume(self, path: str | Path) -> None:
        ckpt = read_checkpoint(path, map_location=self.device)
        if ckpt.get("model_name") != self.config.model.name:
            raise ConfigError(
                f"{path} holds model {ckpt.get('model_name')!r} but the config asks for {self.config.model.name!r}"
            )
        self.model.load_state_dict(ckpt["model"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        self.scheduler.load_state_dict(ckpt["scheduler"])
        self.scaler.load_state_dict(ckpt["scaler"])
        sampler = ckpt["sampler"]
        if sampler["start"] and sampler["num_replicas"] != self.dist.world_size:
            raise ConfigError(
                f"{path} was written mid-epoch by {sampler['num_replicas']} process(es); resume it with the "
                f"same number (now {self.dist.world_size}) or from an end-of-epoch checkpoint"
            )
        self.sampler.load_state_dict(sampler)
        self.state = TrainState(
            epoch=ckpt["epoch"], step=ckpt["step"], best=ckpt["best"], best_epoch=ckpt["best_epoch"],
            epochs_without_improvement=ckpt["epochs_without_improvement"], history=list(ckpt["history"]),
        )
        rngs = ckpt["rng"]
        if len(rngs) == self.dist.world_size:
            set_rng_state(rngs[self.dist.rank])
        else:  # another world size: reseed deterministically rather than share one stream
            seed_everything(self.config.train.seed + 1000 * self.state.epoch + self.dist.rank)
        self.logger.message(f"resumed from {path}: epoch {self.state.epoch}, step {self.state.step}")

    # ----------------------------------------------------------------- loop

    def fit(self, resume: str | Path | None = None) -> TrainState:
        t = self.config.train
        if t.threads:
            torch.set_num_threads(t.threads)
        if self.dist.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            save_config(self.config, self.run_dir / "config.yaml")
            import yaml

            (self.run_dir / "versions.yaml").write_text(yaml.safe_dump(package_versions()), encoding="utf-8")
        # one stream per rank (dropout differs across ranks, as in any DDP run); weights start equal
        # because DDP broadcasts rank 0's parameters when it wraps the model
        seed_everything(t.seed + self.dist.rank)
        if resume:
            self.resume(resume)
        try:
            while self.state.epoch < t.epochs:
                stopped = self._train_epoch(self.state.epoch)
                if stopped:  # max_steps reached mid-epoch: keep the position for an exact resume
                    self.checkpoint("last.pt")
                    break
                self.state.epoch += 1
                self.sampler.start = 0
                self.sampler.set_epoch(self.state.epoch)
                if self._validate_and_checkpoint():
                    break
                if t.max_steps and self.state.step >= t.max_steps:
                    break
        finally:
            self.logger.close()
        return self.state

    def _loader(self, epoch: int) -> DataLoader:
        self.sampler.set_epoch(epoch)
        g = torch.Generator()
        g.manual_seed(self.config.train.seed * 1000 + epoch)
        return DataLoader(
            self.train_set, batch_size=self.config.train.batch_size, sampler=self.sampler,
            collate_fn=self.collate_fn, num_workers=self.config.data.num_workers, generator=g,
        )

    def _train_epoch(self, epoch: int) -> bool:
        """One epoch (or its rest, after a mid-epoch resume). True when max_steps stopped it."""
        c, t = self.config, self.config.train
        accumulate = c.optim.accumulate
        model = self.ddp_model
        model.train()
        start = self.sampler.start
        loader = self._loader(epoch)
        total = self.batches_per_epoch
        done_batches = start // t.batch_size
        seen, t0 = 0, time.perf_counter()
        running = 0.0
        self.optimizer.zero_grad(set_to_none=True)
        n_batches = len(loader)
        for i, batch in enumerate(loader):
            batch = to_device(batch, self.device)
            last_of_step = (i + 1) % accumulate == 0 or i + 1 == n_batches
            sync = model.no_sync() if (self.dist.enabled and not last_of_step) else _null()
            with sync:
                with autocast(c.optim.precision, self.device):
                    parts = compute_loss(model, batch, c, self.pad_id)
                self.scaler.scale(parts["loss"] / accumulate).backward()
            running += float(parts["loss"].detach()) / accumulate
            seen += batch["tokens"].size(0)
            self.sampler.start = min(self.sampler.num_samples, (done_batches + i + 1) * t.batch_size)
            if not last_of_step:
                continue
            if c.optim.grad_clip > 0:
                self.scaler.unscale_(self.optimizer)
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), c.optim.grad_clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.state.step += 1
            self.step_losses.append(running)
            speed = seen * self.dist.world_size / max(1e-9, time.perf_counter() - t0)
            if self.state.step % t.log_every == 0:
                logged = {k: float(v) for k, v in parts.items() if k != "loss"}
                logged.update(loss=running, samples_per_s=speed, lr=self.scheduler.get_last_lr()[-1])
                self.logger.log("train", logged, self.state.step, epoch)
            self.logger.bar(epoch + 1, done_batches + i + 1, total, running, speed)
            running = 0.0
            if t.max_steps and self.state.step >= t.max_steps:
                if done_batches + i + 1 < total:
                    if self.logger.progress:
                        import sys

                        sys.stderr.write("\n")
                    return True
                return False
        return False

    def _validate_and_checkpoint(self) -> bool:
        """Validate (rank 0), keep best.pt on the monitored metric, write last.pt. True = stop early."""
        t = self.config.train
        epoch = self.state.epoch  # epochs completed
        improved = False
        if self.val_fn is not None and epoch % t.val_every == 0 and self.dist.is_main:
            model = unwrap(self.model)
            model.eval()
            with torch.no_grad():
                metrics = dict(self.val_fn(model))
            model.train()
            if t.monitor not in metrics:
                raise ConfigError(
                    f"train.monitor={t.monitor!r} is not among the validation metrics: {', '.join(sorted(metrics))}"
                )
            value = float(metrics[t.monitor])
            self.state.history.append({"epoch": epoch, "step": self.state.step, **metrics})
            self.logger.log("val", metrics, self.state.step, epoch)
            best = self.state.best
            if best is None or (value > best if t.monitor_mode == "max" else value < best):
                self.state.best, self.state.best_epoch = value, epoch
                self.state.epochs_without_improvement = 0
                improved = True
            else:
                self.state.epochs_without_improvement += 1
            self.logger.message(
                f"epoch {epoch}: val {t.monitor} = {value:.4f} (best {self.state.best:.4f} at epoch {self.state.best_epoch})"
            )
        elif self.val_fn is None and self.dist.is_main:
            improved = True  # nothing to choose on: the latest weights are the best we know
        improved = D.broadcast_object(improved, self.dist)
        names = ("best.pt",) if improved else ()
        if t.keep_every and epoch % t.keep_every == 0:
            names += (f"epoch_{epoch:03d}.pt",)
        self.checkpoint("last.pt", names)
        stop = bool(t.early_stop) and self.state.epochs_without_improvement >= t.early_stop
        return D.broadcast_object(stop, self.dist)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

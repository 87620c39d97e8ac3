"""Multi-process training with torchrun + DistributedDataParallel.

``torchrun --nproc-per-node N -m cxrgen train ...`` sets RANK / WORLD_SIZE / LOCAL_RANK /
MASTER_ADDR / MASTER_PORT; :func:`init_distributed` reads them. Without them the run is a single
process and nothing here changes its behaviour. The backend is NCCL on GPUs and gloo on CPU.
DataParallel is deliberately not offered: it replicates the model every step and breaks
modules that keep state on ``self`` (R2Gen's relational memory), which DDP does not.

Only rank 0 writes logs and checkpoints; all ranks see disjoint shards of each epoch through
:class:`ResumableDistributedSampler`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.utils.data import DistributedSampler

from cxrgen.device import parse_device


@dataclass
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def resolve_device(name: str, info: DistInfo | None = None) -> torch.device:
    """``auto`` picks the local GPU of this rank if there is one, else the CPU."""
    info = info or DistInfo()
    device = parse_device(name)  # a one-line error for `gpu`, or `cuda` on a CPU-only build
    if device.type == "cuda" and device.index is None:
        return torch.device(f"cuda:{info.local_rank}")
    return device


def init_distributed(device: str = "auto") -> DistInfo:
    """Join the process group described by torchrun's environment, if there is one."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    info = DistInfo(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        use_cuda = resolve_device(device, info).type == "cuda"
        if use_cuda:
            torch.cuda.set_device(info.local_rank)
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return info


def wrap_model(model: torch.nn.Module, info: DistInfo, device: torch.device) -> torch.nn.Module:
    if not info.enabled:
        return model
    ids = [device.index] if device.type == "cuda" else None
    # find_unused_parameters: the auxiliary head or the second encoder may sit out a step
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids, find_unused_parameters=True)


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def broadcast_object(obj, info: DistInfo):
    """Rank 0's ``obj`` on every rank (e.g. the early-stopping decision)."""
    if not info.enabled:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def cleanup(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()


class ResumableDistributedSampler(DistributedSampler):
    """torch's DistributedSampler, plus a position inside the epoch that a checkpoint can keep.

    The order of an epoch depends only on (seed, epoch), as in DistributedSampler; ``start``
    skips the samples this rank already saw, so a run resumed mid-epoch sees the same batches as
    one that never stopped. Used with ``num_replicas=1`` in single-process runs, so there is one
    code path.
    """

    def __init__(self, dataset, num_replicas: int = 1, rank: int = 0, shuffle: bool = True, seed: int = 0):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=seed, drop_last=False)
        self.start = 0

    def __iter__(self):
        indices = list(super().__iter__())
        return iter(indices[self.start:])

    def __len__(self) -> int:
        return self.num_samples - self.start

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "start": self.start, "seed": self.seed, "num_replicas": self.num_replicas}

    def load_state_dict(self, state: dict) -> None:
        self.epoch = state["epoch"]
        self.start = state["start"]
        self.seed = state["seed"]

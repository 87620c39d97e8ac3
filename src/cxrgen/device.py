"""A device name from the user (``--device``, ``train.device``) -> a ``torch.device``, or a one-line error.

torch accepts ``cuda`` on a CPU-only build and fails later with an AssertionError deep in a kernel,
and answers ``gpu`` with a RuntimeError listing forty device types; both are user errors.
"""

from __future__ import annotations

import re

import torch

from cxrgen.errors import ConfigError

DEVICE_HELP = "auto, cpu, cuda or cuda:N"


def parse_device(name: str | torch.device) -> torch.device:
    """``auto`` (the GPU if there is one, else the CPU), ``cpu``, ``cuda``, ``cuda:N``; checked to exist."""
    if isinstance(name, torch.device):
        return name
    text = str(name).strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if text == "cpu":
        return torch.device("cpu")
    m = re.fullmatch(r"cuda(?::(\d+))?", text)
    if not m:
        raise ConfigError(f"unknown device {name!r}; give {DEVICE_HELP}")
    if not torch.cuda.is_available():
        build = "a CPU-only build of torch" if torch.version.cuda is None else "no visible CUDA device"
        raise ConfigError(f"device {name!r} asked for, but this machine has {build}; give --device cpu")
    if m.group(1) is not None and int(m.group(1)) >= torch.cuda.device_count():
        raise ConfigError(f"device {name!r}: only {torch.cuda.device_count()} CUDA device(s) here "
                          f"(cuda:0..cuda:{torch.cuda.device_count() - 1})")
    return torch.device(text)

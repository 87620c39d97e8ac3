"""DDP with torchrun on 2 CPU processes (gloo): disjoint data per rank, identical weights after."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import torch

WORKER = Path(__file__).resolve().parent / "ddp_worker.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_process_ddp_sees_different_data_and_keeps_weights_equal(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
           "--master-port", str(free_port()), str(WORKER), str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    # 2 steps x batch 3 per rank, disjoint shards of the same permutation
    assert len(r0["seen"]) == len(r1["seen"]) == 6
    assert not set(r0["seen"]) & set(r1["seen"])
    # each rank had its own local loss, yet the all-reduced gradients keep the weights identical
    assert r0["losses"] != r1["losses"]
    assert all(torch.equal(r0["model"][k], r1["model"][k]) for k in r0["model"])
    ckpt = torch.load(tmp_path / "last.pt", weights_only=True)
    assert ckpt["step"] == 2 and len(ckpt["rng"]) == 2
    assert all(torch.equal(ckpt["model"][k], r0["model"][k]) for k in r0["model"])

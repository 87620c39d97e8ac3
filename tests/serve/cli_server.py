"""A real `cxrgen serve` subprocess on loopback, for the tests that need the process itself
(killed mid-job in test_restart.py, its peak RSS in test_bombs.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

from .drafting import tiny_checkpoint

ADMIN_PASSWORD = "admin-password-1"
RAD_PASSWORD = "rad-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(data_dir, port: int, *extra: str) -> subprocess.Popen:
    """Start the service with admin "boss" on the tiny checkpoint; return once /healthz is 200."""
    env = dict(os.environ, CXRGEN_ADMIN_PASSWORD=ADMIN_PASSWORD, OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cxrgen", "serve", "--ckpt", str(tiny_checkpoint()), "--data-dir",
         str(data_dir), "--port", str(port), "--admin", "boss", "--queue-size", "64",
         "--beam-size", "3", "--log-level", "warning", *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"cxrgen serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("cxrgen serve did not answer /healthz within 90 s")


def login(base: str, user: str, password: str) -> dict:
    token = httpx.post(f"{base}/api/auth/login", json={"username": user,
                                                      "password": password}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def add_radiologist(base: str) -> dict:
    """Create "rad" as the admin; the headers of rad's login."""
    httpx.post(f"{base}/api/users", json={"username": "rad", "password": RAD_PASSWORD,
                                          "role": "radiologist"},
               headers=login(base, "boss", ADMIN_PASSWORD)).raise_for_status()
    return login(base, "rad", RAD_PASSWORD)

"""Load test of the review service on loopback: draft generation under N concurrent clients.

What it does (all on 127.0.0.1; the service is a real `cxrgen serve` subprocess):

1. **Throughput / latency.** N clients each upload M one-image studies and poll until the draft
   is ready (draft latency includes queueing and 503 back-off). A client that gets 503 (queue full) waits the ``Retry-After`` it was given and
   retries. Reports drafts/s, the latency of a draft (upload sent -> job done) in percentiles,
   the upload request latency, and how many 503s were answered. The queue is deliberately
   smaller than N so that the 503 path is exercised.
2. **Nothing lost when the queue is full.** Every upload answered 202 must end with a done job,
   and the number of studies in the database must equal the number of 202s (a 503 leaves no
   half-made study).
3. **Nothing lost on a crash.** K studies are uploaded, the process is SIGKILLed while jobs are
   queued or running, the service is restarted on the same data, and every study must get its
   draft.

Usage::

    python bench/serve_load.py                       # trains a tiny checkpoint first (~15 s)
    python bench/serve_load.py --ckpt runs/train/best.pt --clients 8 --per-client 4

The JSON written with ``--out`` has the figures, the settings and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

HOST = "127.0.0.1"  # loopback only, by design: this benchmark never talks to another machine
ADMIN_PASSWORD = "bench-admin-password"


def tiny_checkpoint(folder: Path) -> Path:
    """The test suite's tiny model (phantom data, narrow R2Gen, 4 steps): measures the service,
    not the model."""
    import torch

    from cxrgen.cli import main
    from cxrgen.train.config import Config
    from cxrgen.train.experiment import run

    phantom = folder / "phantom"
    main(["data", "synth", "--out", str(phantom), "--studies", "12", "--size", "64", "--langs",
          "en", "--quiet"])
    cfg = {
        "data": {"dataset": "phantom", "root": str(phantom), "resize": 64, "crop": 64,
                 "threshold": 1, "max_seq_length": 24, "max_eval_studies": 2},
        "model": {"name": "r2gen", "options": {
            "d_model": 32, "n_layers": 1, "n_heads": 4, "d_ff": 64, "dropout": 0.1,
            "rm_num_slots": 3, "rm_d_model": 32,
            "encoder": {"name": "resnet18", "width": 8, "image_size": 64}}},
        "decode": {"beam_size": 2, "max_len": 20},
        "train": {"epochs": 1, "max_steps": 4, "batch_size": 4, "device": "cpu", "threads": 1,
                  "progress": False, "seed": 0, "out": str(folder / "run")},
    }
    threads = torch.get_num_threads()
    result = run(Config.from_dict(cfg))
    torch.set_num_threads(threads)
    return Path(result.run_dir) / "last.pt"


def png(seed: int, size: int = 128) -> bytes:
    import io

    from PIL import Image

    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, ckpt: Path, data_dir: Path, port: int, args):
        self.cmd = [sys.executable, "-m", "cxrgen", "serve", "--ckpt", str(ckpt), "--data-dir",
                    str(data_dir), "--host", HOST, "--port", str(port), "--admin", "boss",
                    "--workers", str(args.workers), "--queue-size", str(args.queue_size),
                    "--retry-after", str(args.retry_after), "--beam-size", str(args.beam_size),
                    "--log-level", "warning"]
        self.base = f"http://{HOST}:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        t0 = time.perf_counter()
        env = dict(os.environ, CXRGEN_ADMIN_PASSWORD=ADMIN_PASSWORD)
        self.proc = subprocess.Popen(self.cmd, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        while time.perf_counter() - t0 < 120:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode()[-3000:])
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - t0
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("service did not start in 120 s")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)


def login(base: str, user: str, password: str) -> dict:
    r = httpx.post(base + "/api/auth/login", json={"username": user, "password": password})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def wait_done(client: httpx.Client, job_id: int, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.02)
    raise RuntimeError(f"job {job_id} not finished in {timeout} s")


def client_loop(base, headers, n_studies, seed, out, lock):
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        for k in range(n_studies):
            t_start = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                r = c.post("/api/studies", files=[("files", ("x.png", png(seed * 1000 + k), "image/png"))],
                           data={"reference": f"load-{seed}-{k}"})
                t_up = time.perf_counter() - t0
                if r.status_code == 503:
                    with lock:
                        out["rejected_503"] += 1
                        out["retry_after"].add(r.headers.get("Retry-After"))
                    time.sleep(float(r.headers.get("Retry-After", "1")))
                    continue
                r.raise_for_status()
                break
            job = wait_done(c, r.json()["job_id"])
            with lock:
                out["accepted"].append(r.json()["job_id"])
                out["upload_s"].append(t_up)
                out["draft_s"].append(time.perf_counter() - t_start)
                out["generation_s"].append(job["duration_s"] or 0.0)
                out["status"][job["status"]] = out["status"].get(job["status"], 0) + 1


def pct(values, qs=(50, 90, 99)) -> dict:
    a = np.asarray(values, dtype=float)
    return {f"p{q}": round(float(np.percentile(a, q)), 4) for q in qs} | {"mean": round(float(a.mean()), 4)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", default=None, help="checkpoint (default: train the tiny test model)")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--per-client", type=int, default=4, help="studies each client drafts")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--queue-size", type=int, default=4, help="small on purpose: exercises the 503 path")
    p.add_argument("--retry-after", type=int, default=1)
    p.add_argument("--beam-size", type=int, default=3)
    p.add_argument("--crash-studies", type=int, default=6, help="studies in flight at the SIGKILL")
    p.add_argument("--out", default=None, help="write the figures as JSON")
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="cxrgen-serve-load-"))
    t0 = time.perf_counter()
    ckpt = Path(args.ckpt) if args.ckpt else tiny_checkpoint(work / "ckpt")
    print(f"checkpoint: {ckpt} ({'given' if args.ckpt else f'tiny, trained in {time.perf_counter() - t0:.1f} s'})")
    server = Server(ckpt, work / "serve", free_port(), args)
    result: dict = {"settings": vars(args) | {"ckpt": str(ckpt)}, "machine": {
        "cpus": os.cpu_count(), "loadavg_before": os.getloadavg(), "python": platform.python_version()}}
    try:
        result["startup_s"] = round(server.start(), 2)
        admin = login(server.base, "boss", ADMIN_PASSWORD)
        httpx.post(server.base + "/api/users", headers=admin, json={
            "username": "rad", "password": "bench-rad-password", "role": "radiologist"}).raise_for_status()
        headers = login(server.base, "rad", "bench-rad-password")
        # -- 1 + 2: concurrent clients against a small queue
        out = {"rejected_503": 0, "retry_after": set(), "accepted": [], "upload_s": [],
               "draft_s": [], "generation_s": [], "status": {}}
        lock = threading.Lock()
        threads = [threading.Thread(target=client_loop, args=(server.base, headers, args.per_client,
                                                              i, out, lock))
                   for i in range(args.clients)]
        t_load = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t_load
        studies = httpx.get(server.base + "/api/studies", headers=headers, params={"limit": 1}).json()["total"]
        n = args.clients * args.per_client
        result["load"] = {
            "clients": args.clients, "drafts": len(out["draft_s"]), "wall_s": round(wall, 2),
            "drafts_per_s": round(len(out["draft_s"]) / wall, 2),
            "draft_latency_s": pct(out["draft_s"]), "upload_latency_s": pct(out["upload_s"]),
            "generation_s (in the worker)": pct(out["generation_s"]),
            "rejected_503": out["rejected_503"], "retry_after_headers": sorted(map(str, out["retry_after"])),
            "job_status": out["status"], "studies_in_db": studies,
            "nothing_lost": studies == n == len(out["accepted"]) and out["status"] == {"done": n},
        }
        # -- 3: SIGKILL with jobs in flight, restart, every study drafted
        ids = []
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as c:
            for k in range(args.crash_studies):
                r = c.post("/api/studies", files=[("files", ("y.png", png(10**6 + k), "image/png"))])
                if r.status_code == 503:
                    time.sleep(float(r.headers["Retry-After"]))
                    r = c.post("/api/studies", files=[("files", ("y.png", png(10**6 + k), "image/png"))])
                r.raise_for_status()
                ids.append(r.json()["job_id"])
            pending = [c.get(f"/api/jobs/{j}").json()["status"] for j in ids]
        server.kill()
        unfinished = sum(s in ("queued", "running") for s in pending)
        restart_s = server.start()
        headers = login(server.base, "rad", "bench-rad-password")
        health = httpx.get(server.base + "/healthz").json()
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as c:
            final = [wait_done(c, j)["status"] for j in ids]
        result["crash"] = {"studies": len(ids), "unfinished_at_kill": unfinished,
                           "recovered_on_start": health["recovered_on_start"],
                           "restart_s": round(restart_s, 2), "final_status": final,
                           "nothing_lost": final == ["done"] * len(ids)}
    finally:
        server.stop()
    result["machine"]["loadavg_after"] = os.getloadavg()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    ok = result["load"]["nothing_lost"] and result["crash"]["nothing_lost"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

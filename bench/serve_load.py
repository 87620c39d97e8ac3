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
4. **Bombs among normal studies** (``--bomb-rounds``, 0 to skip). Four clients upload, in each
   round, normal studies mixed with the decompression bombs of issue 13 (a 389 KB deflated DICOM
   of 2000 x 2000 x 100 frames, a 62 KB 7000 x 7000 PNG) and the largest images the limits allow
   (a 17.6 M px 16-bit PNG, a 4000 x 4000 and an 8-frame 2000 x 2000 deflated DICOM), generated
   by ``tests/serve/bombs.py``. Reports the server's RSS after start-up and its peak (VmHWM,
   Linux), their ratio, how many bombs were refused and whether every accepted study drafted.

Usage::

    python bench/serve_load.py                       # trains a tiny checkpoint first (~15 s)
    python bench/serve_load.py --ckpt runs/train/best.pt --clients 8 --per-client 4
    python bench/serve_load.py --bomb-rounds 2      # more of phase 4

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
REPO = Path(__file__).resolve().parents[1]
MiB = 2**20
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


def rss(pid: int, field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of a process from /proc, bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/{pid}/status (Linux only)")


def bomb_phase(server: "Server", headers: dict, rounds: int) -> dict:
    sys.path.insert(0, str(REPO))  # the generators live with the test that uses them
    from tests.serve.bombs import big_png, deflated_dicom

    t0 = time.perf_counter()
    bombs = {"deflated-2000x2000x100.dcm": deflated_dicom(2000, 2000, 100, bits=8),
             "7000x7000.png": big_png(7000)}
    allowed = {"4200x4200-16bit.png": big_png(4200, bits=16),
               "4000x4000-deflated.dcm": deflated_dicom(4000, 4000, 1),
               "2000x2000x8.dcm": deflated_dicom(2000, 2000, 8)}
    generated_s = time.perf_counter() - t0
    uploads = []
    for r in range(rounds):
        for k in range(6):
            uploads.append((f"normal-{r}-{k}.png", png(2 * 10**6 + 10 * r + k), False))
        uploads += [(name, data, True) for name, data in bombs.items()]
        uploads += [(name, data, False) for name, data in allowed.items()]
    startup_rss = rss(server.proc.pid, "VmRSS")
    codes, jobs, lock = [], [], threading.Lock()

    def send(item):
        name, data, _bomb = item
        with httpx.Client(base_url=server.base, headers=headers, timeout=300) as c:
            while True:
                r = c.post("/api/studies", files=[("files", (name, data))])
                if r.status_code != 503:
                    break
                time.sleep(float(r.headers["Retry-After"]))
            with lock:
                codes.append((item[2], r.status_code))
                if r.status_code == 202:
                    jobs.append(r.json()["job_id"])

    t0 = time.perf_counter()
    order = uploads[::2] + uploads[1::2]  # bombs interleaved with normal studies
    threads = [threading.Thread(target=lambda part=order[i::4]: [send(x) for x in part])
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with httpx.Client(base_url=server.base, headers=headers, timeout=60) as c:
        final = [wait_done(c, j)["status"] for j in jobs]
    peak = rss(server.proc.pid, "VmHWM")
    refused = sum(bomb and code == 400 for bomb, code in codes)
    sent = sum(bomb for bomb, _ in codes)
    return {"rounds": rounds, "uploads": len(uploads), "bombs_sent": sent, "bombs_refused": refused,
            "all_refused": refused == sent, "accepted": len(jobs),
            "accepted_expected": len(uploads) - sent, "final_status": {s: final.count(s) for s in set(final)},
            "nothing_lost": final == ["done"] * (len(uploads) - sent),
            "wall_s": round(time.perf_counter() - t0, 2), "generate_files_s": round(generated_s, 2),
            "startup_rss_mib": round(startup_rss / MiB, 1), "peak_rss_mib": round(peak / MiB, 1),
            "peak_over_startup": round(peak / startup_rss, 2), "under_1_gib": peak < 1024 * MiB}


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
    p.add_argument("--bomb-rounds", type=int, default=1,
                   help="rounds of bombs among normal studies (phase 4; 0 skips it)")
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
        # -- 4: bombs among normal studies, peak RSS of the (restarted) server
        if args.bomb_rounds > 0:
            result["bombs"] = bomb_phase(server, headers, args.bomb_rounds)
    finally:
        server.stop()
    result["machine"]["loadavg_after"] = os.getloadavg()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    ok = result["load"]["nothing_lost"] and result["crash"]["nothing_lost"]
    if "bombs" in result:
        b = result["bombs"]
        print(f"bombs: {b['bombs_refused']}/{b['bombs_sent']} refused, peak RSS "
              f"{b['peak_rss_mib']:.0f} MiB = {b['peak_over_startup']:.2f} x the {b['startup_rss_mib']:.0f}"
              f" MiB after start-up; under 1 GiB: {b['under_1_gib']}")
        ok = ok and b["all_refused"] and b["nothing_lost"] and b["under_1_gib"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

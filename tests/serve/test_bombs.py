"""No upload within the limits exhausts the server (issue 13): a real `cxrgen serve` process gets
the issue's bombs (a 389 KB deflated DICOM of 2000 x 2000 x 100 frames, a 7000 x 7000 PNG of
62 KB) and the largest images the limits allow (a 17.6 M px 16-bit PNG, a 4000 x 4000 deflated
DICOM, an 8-frame 2000 x 2000 DICOM), all generated here; the bombs are refused before
decoding, the others drafted, and the server's peak RSS (VmHWM) stays under 1 GiB."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from .bombs import big_png, deflated_dicom
from .cli_server import add_radiologist, free_port, start
from .fixtures import png_bytes

GiB = 1024**3


def peak_rss(pid: int) -> int:
    """Peak resident set size of a process (VmHWM, Linux), bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc: Linux only")


@pytest.fixture
def server(tmp_path):
    if not Path("/proc/self/status").is_file():
        pytest.skip("peak RSS is read from /proc (Linux)")
    port = free_port()
    proc = start(tmp_path / "serve", port, "--beam-size", "2")
    yield proc, f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_bombs_are_refused_and_largest_allowed_images_stay_under_1_gib(server):
    proc, base = server
    h = add_radiologist(base)
    idle = peak_rss(proc.pid)
    bombs = {"deflated-2000x2000x100.dcm": deflated_dicom(2000, 2000, 100, bits=8),
             "7000x7000.png": big_png(7000)}
    allowed = {"4200x4200-16bit.png": big_png(4200, bits=16),
               "4000x4000-deflated.dcm": deflated_dicom(4000, 4000, 1),
               "2000x2000x8.dcm": deflated_dicom(2000, 2000, 8), "normal.png": png_bytes(128)}
    assert len(bombs["deflated-2000x2000x100.dcm"]) < 400_000
    with httpx.Client(base_url=base, headers=h, timeout=120) as c:
        for name, data in bombs.items():
            r = c.post("/api/studies", files=[("files", (name, data))])
            assert r.status_code == 400, (name, r.text)
            assert "limit" in r.json()["detail"], r.text
        jobs = []
        for name, data in allowed.items():
            r = c.post("/api/studies", files=[("files", (name, data))])
            assert r.status_code == 202, (name, r.text)
            jobs.append(r.json())
        for job in jobs:
            deadline = time.monotonic() + 120
            while (status := c.get(job["job_url"]).json()["status"]) not in ("done", "failed"):
                assert time.monotonic() < deadline, job
                time.sleep(0.2)
            assert status == "done", c.get(job["job_url"]).json()
        study = c.get(jobs[0]["study_url"]).json()
        assert max(study["images"][0]["width"], study["images"][0]["height"]) == 2048
        assert study["images"][0]["meta"]["original_width"] == 4200
    peak = peak_rss(proc.pid)
    print(f"server peak RSS: {peak / 2**20:.0f} MiB (after start-up: {idle / 2**20:.0f} MiB)")
    assert peak < GiB, f"server peak RSS {peak / 2**20:.0f} MiB"

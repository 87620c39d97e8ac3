"""`cxrgen batch --address` on a 2-node Ray cluster on loopback: a head and a worker node, each a
`ray start --block` process of this test, the job sent through the Ray client address.

The nodes are stopped by signalling the two processes this test started (and any process they
started that outlives them), not with `ray stop`, which stops every Ray node of the user on the
machine, other jobs' included.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import make_reports, write_jsonl

psutil = pytest.importorskip("psutil", reason="psutil comes with Ray")
RAY = Path(sys.executable).with_name("ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"ray start exited with status {proc.returncode}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {seconds} s")


def _stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM to the `ray start` processes and every process they started, SIGKILL to what is
    left after 3 s: only processes of this test."""
    tree = []
    for p in procs:
        try:
            parent = psutil.Process(p.pid)
            tree += [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
    for proc in tree:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(tree, timeout=3)
    for proc in alive:
        proc.kill()
    for p in procs:
        p.wait(10)


@pytest.fixture
def two_nodes(tmp_path):
    if not RAY.exists():
        pytest.skip(f"no `ray` command beside {sys.executable}")
    gcs, client = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env.update(RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="token")
    common = ["--num-cpus", "1", "--object-store-memory", str(150 * 1024 * 1024), "--block",
              "--disable-usage-stats"]
    log = open(tmp_path / "ray.log", "w")
    procs = [subprocess.Popen([str(RAY), "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(gcs),
                               "--ray-client-server-port", str(client), "--include-dashboard", "false", *common],
                              env=env, stdout=log, stderr=subprocess.STDOUT)]
    try:
        _wait_port(gcs, procs[0])
        procs.append(subprocess.Popen([str(RAY), "start", "--address", f"127.0.0.1:{gcs}",
                                       "--node-ip-address", "127.0.0.1", *common],
                                      env=env, stdout=log, stderr=subprocess.STDOUT))
        _wait_port(client, procs[0])
        yield f"ray://127.0.0.1:{client}", f"127.0.0.1:{gcs}"
    finally:
        _stop(procs)
        log.close()


def test_a_job_runs_on_a_two_node_cluster_through_address(two_nodes, tmp_path):
    reports = make_reports(6 * 400, seed=9)
    for k in range(6):
        write_jsonl(tmp_path / "in" / f"p{k}.jsonl",
                    [{"id": f"{k}-{i}", "report": t} for i, t in enumerate(reports[k * 400:(k + 1) * 400])])
    out = tmp_path / "out"
    # a driver process of its own, as a user's shell would start it. The nodes use Ray's token
    # authentication (on by default; the token is in ~/.ray/auth_token), which a Ray client
    # process uses when RAY_AUTH_MODE=token is in its environment from the start.
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env.update(RAY_AUTH_MODE="token", RAY_USAGE_STATS_ENABLED="0")
    client, gcs = two_nodes
    done = subprocess.run([sys.executable, "-m", "cxrgen", "batch", "label", str(tmp_path / "in"), "--lang", "en",
                           "--out", str(out), "--address", client, "--min-nodes", "2"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2400 row(s) in 6/6 shard(s)" in done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ray"]["address"] == client and summary["ray"]["nodes"] == 2
    assert summary["rows"] == 2400 and summary["errors"] == 0
    records = [json.loads(line) for line in (out / "done.jsonl").read_text().splitlines()]
    assert len({r["node"] for r in records}) == 2, "both nodes ran shards"
    # a driver on a node of the cluster joins it by the GCS address (host:port): the same output
    done = subprocess.run([sys.executable, "-m", "cxrgen", "batch", "label", str(tmp_path / "in"), "--lang", "en",
                           "--out", str(tmp_path / "out2"), "--address", gcs], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for k in range(6):
        assert (tmp_path / "out2" / "shards" / f"p{k}.jsonl").read_bytes() == (out / "shards" / f"p{k}.jsonl").read_bytes()

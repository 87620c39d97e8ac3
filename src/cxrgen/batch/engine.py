"""Ray Data runs a ``cxrgen batch`` job: one row per pending shard, mapped by Ray tasks (label,
graph, score) or by an actor pool holding one model per actor (generate), streamed back to the
driver, which records each finished shard in the done-manifest as it arrives.

Local mode (no ``--address`` and no ``RAY_ADDRESS``) starts a Ray instance of its own on this
machine (``ray.init(address="local")``, never another user's instance); ``--address`` (a
``ray://host:10001`` client address or a ``host:6379`` cluster address) runs the same job on an
existing cluster: the input shards and the output folder must then be on storage that every
node sees at the same path (NFS, a shared volume).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from cxrgen.batch.jobs import Job, ShardGenerator, run_shard
from cxrgen.batch.shards import Shard, write_json
from cxrgen.errors import CxrgenError, InputError

def alive_nodes() -> int:
    import ray

    return sum(1 for n in ray.nodes() if n.get("Alive"))


def wait_for_nodes(n: int, seconds: float = 120) -> None:
    """Wait until the cluster has ``n`` live nodes (workers joining, an autoscaler scaling up)."""
    deadline = time.monotonic() + seconds
    while alive_nodes() < n:
        if time.monotonic() > deadline:
            raise InputError(f"the Ray cluster has {alive_nodes()} live node(s) after {seconds:.0f} s, "
                             f"--min-nodes asks for {n}; start more nodes or lower --min-nodes")
        time.sleep(0.5)


def connect(address: str | None = None, num_cpus: int | None = None,
            object_store_memory: int | None = None) -> tuple[str, bool]:
    """Join the cluster at ``address`` (or ``RAY_ADDRESS``), or start a local instance.
    Returns the address used and whether this call started Ray (and so should stop it)."""
    import ray

    # a hospital's job does not report usage to Ray's authors unless someone turns it on
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if ray.is_initialized():
        return "already-connected", False
    address = address or os.environ.get("RAY_ADDRESS") or None
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(address="local", num_cpus=num_cpus, object_store_memory=object_store_memory,
                     include_dashboard=False, log_to_driver=False)
            address = "local"
    except (ConnectionError, TimeoutError) as exc:
        raise InputError(f"cannot reach a Ray cluster at {address!r} ({exc}); check --address / "
                         "RAY_ADDRESS, or leave both unset to run on this machine") from None
    return address, True


_CONTEXT_CACHE: dict[str, Any] = {}


def _resolve(context: dict) -> dict:
    """A stage's context with its object-store parts fetched once per worker process."""
    import ray

    ctx = dict(context)
    ref = ctx.pop("df_ref", None)
    if ref is not None:
        key = ref.hex()
        if key not in _CONTEXT_CACHE:
            _CONTEXT_CACHE.clear()
            _CONTEXT_CACHE[key] = ray.get(ref)
        ctx["df"] = _CONTEXT_CACHE[key]
    return ctx


def _on_node(record: str) -> str:
    """The done-record with the id of the Ray node that ran the shard."""
    import ray

    return json.dumps({**json.loads(record), "node": ray.get_runtime_context().get_node_id()})


def _map_shards(batch: dict[str, np.ndarray], job: Job, context: dict) -> dict[str, np.ndarray]:
    ctx = _resolve(context)
    return {"record": np.array([_on_node(run_shard(job, spec, ctx)) for spec in batch["spec"]], dtype=object)}


class _GenerateActor:
    """One model per actor (loaded once), a shard per call."""

    def __init__(self, job: Job, device: str):
        self.inner = ShardGenerator(job, device)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"record": np.array([_on_node(self.inner.run(spec)) for spec in batch["spec"]], dtype=object)}


def stream_stage(job: Job, shards: list[Shard], workers: int, context: dict,
                 device: str | None = None) -> Iterator[dict]:
    """Run one stage over ``shards``; yield each shard's done-record as it finishes."""
    import ray

    if not shards:
        return
    ds = ray.data.from_items([{"spec": s.to_json()} for s in shards], override_num_blocks=len(shards))
    if job.command == "generate":
        gpus = 1 if device is None and ray.cluster_resources().get("GPU", 0) >= 1 else 0
        device = device or ("cuda" if gpus else "cpu")
        ds = ds.map_batches(_GenerateActor, fn_constructor_kwargs={"job": job, "device": device},
                            batch_size=1, compute=ray.data.ActorPoolStrategy(size=workers),
                            num_cpus=1, num_gpus=gpus)
    else:
        ds = ds.map_batches(_map_shards, fn_kwargs={"job": job, "context": context},
                            batch_size=1, compute=ray.data.TaskPoolStrategy(size=workers), num_cpus=1)
    for row in ds.iter_rows():
        yield json.loads(row["record"])


@contextmanager
def _lock(root: Path):
    """One driver per output folder; the lock goes with the process, even on SIGKILL."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{root}: another `cxrgen batch` is writing to this folder; wait for it "
                             "or give another --out") from None
        yield


def _clear_temporaries(root: Path) -> int:
    n = 0
    for sub in ("shards", "errors", "stats"):
        for p in (root / sub).glob(".*.tmp") if (root / sub).is_dir() else ():
            p.unlink()
            n += 1
    return n


def run_job(job: Job, shards: list[Shard], describe: dict[str, Any], *, workers: int = 2,
            address: str | None = None, max_errors: int | None = None, num_cpus: int | None = None,
            object_store_memory: int | None = None, device: str | None = None, min_nodes: int = 1,
            log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> dict[str, Any]:
    """Run (or resume) ``job`` over ``shards``; returns the summary (also ``summary.json``)."""
    import ray

    from cxrgen.batch import scoring

    folder = job.folder
    started = time.perf_counter()
    with _lock(folder.root):
        folder.claim({"command": job.command, "options": job.options, "format": job.fmt,
                      **describe, "shards": [s.name for s in shards]})
        _clear_temporaries(folder.root)
        used, owned = connect(address, num_cpus, object_store_memory)
        try:
            wait_for_nodes(min_nodes)
            nodes = alive_nodes()
            ready = time.perf_counter()
            if used.startswith("ray://"):
                # Ray Data's executor needs a process of the cluster (a Ray client has none), so
                # through a client the stages run in one small task on the cluster, which
                # writes the same done-manifest (the output folder is on shared storage)
                execute = ray.remote(num_cpus=0)(_execute_stages)
                run, stopped = ray.get(execute.remote(job, shards, workers, device, max_errors))
            else:
                run, stopped = _execute_stages(job, shards, workers, device, max_errors, log)
            finished = time.perf_counter()
        finally:
            if owned:
                ray.shutdown()
        summary = _summary(job, shards, describe, run, used, nodes, workers,
                           startup_s=ready - started, run_s=finished - ready, wall_s=time.perf_counter() - started)
        summary["stopped"] = stopped
        if job.command == "score" and not stopped:
            summary["corpus"] = scoring.corpus_scores(job, [s.name for s in shards])
            write_json(summary["corpus"], folder.root / "scores.json")
        write_json(summary, folder.root / "summary.json")
    if stopped:
        raise CxrgenError(stopped)
    return summary


def _execute_stages(job: Job, shards: list[Shard], workers: int, device: str | None, max_errors: int | None,
                    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> tuple[dict, str | None]:
    """Every stage of the job in turn: ``({"shards", "rows", "errors"} of this run, stop reason)``."""
    import ray

    from cxrgen.batch import scoring

    stages = ["df", "main"] if job.command == "score" and _needs_df(job) else ["main"]
    run = {"shards": 0, "rows": 0, "errors": 0}
    for stage in stages:
        context: dict[str, Any] = {"stage": stage}
        if stage == "main" and "df" in stages:
            df, n_docs = scoring.merge_document_frequencies(job, [s.name for s in shards])
            context.update(df_ref=ray.put(df), n_docs=n_docs)
        stopped = _run_stage(job, stage, shards, workers, context, device, max_errors, run, log)
        if stopped:
            return run, stopped
    return run, None


def _needs_df(job: Job) -> bool:
    from cxrgen.metrics.scoring import resolve_metrics

    metrics, _ = resolve_metrics(job.options["metrics"], job.options["lang"])
    return any(type(m).__name__ == "CiderD" for m in metrics)


def _run_stage(job, stage, shards, workers, context, device, max_errors, run, log) -> str | None:
    folder = job.folder
    done = folder.done(stage)
    pending = [s for s in shards if s.name not in done]
    errors = sum(r["errors"] for r in done.values()) if stage == "main" else 0
    if done:
        log(f"cxrgen batch {job.command}: {stage}: {len(done)} of {len(shards)} shard(s) already done "
            f"in {folder.root}, {len(pending)} to go")
    for record in stream_stage(job, pending, workers, context, device):
        folder.mark_done(record)
        run["shards"] += 1
        if stage == "main":
            run["rows"] += record["rows"]
            run["errors"] += record["errors"]
            errors += record["errors"]
        if max_errors is not None and errors > max_errors:
            return (f"{errors} error row(s), more than --max-errors {max_errors}: stopped; see "
                    f"{folder.root / 'errors'} (a rerun with a higher --max-errors keeps the finished shards)")
    return None


def _summary(job, shards, describe, run, address, nodes, workers, *, startup_s, run_s, wall_s) -> dict[str, Any]:
    import ray

    from cxrgen import __version__

    records = job.folder.done("main")
    kinds: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for r in records.values():
        for k, v in r["kinds"].items():
            kinds[k] = kinds.get(k, 0) + v
        for k, v in r["warnings"].items():
            warnings[k] = warnings.get(k, 0) + v
    return {
        "command": job.command, **describe, "out": str(job.folder.root),
        "shards": len(shards), "shards_done": len(records), "shards_this_run": run["shards"],
        "rows": sum(r["rows"] for r in records.values()), "ok": sum(r["ok"] for r in records.values()),
        "errors": sum(r["errors"] for r in records.values()), "errors_by_kind": kinds, "warnings": warnings,
        "rows_this_run": run["rows"], "rows_per_s": round(run["rows"] / run_s, 1) if run_s > 0 else None,
        "startup_s": round(startup_s, 2), "run_s": round(run_s, 2), "wall_s": round(wall_s, 2),
        "workers": workers, "ray": {"address": address, "nodes": nodes, "version": ray.__version__},
        "cxrgen": __version__, "options": job.options,
    }

"""One shard of a ``cxrgen batch`` job, start to finish: read its rows, set the bad ones aside
as error rows, run the batch code of :mod:`cxrgen.batch.work` on the rest, write the output and
error shards atomically, and return the shard's done-record.

Nothing here imports Ray: a Ray worker calls :func:`run_shard` (or a :class:`ShardGenerator`
actor holds one model and calls :meth:`ShardGenerator.run`), and so can a test.

Error rows (``errors/NAME.jsonl``): ``{"row", "id", "file", "kind", "reason"}``; ``row`` is the
1-based line of a JSONL shard or row of a Parquet shard / dataset shard (None when the whole
shard could not be read), ``kind`` a short code counted in the summary.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxrgen.batch.shards import OutputFolder, Shard, read_rows, write_rows
from cxrgen.errors import InputError

COMMANDS = ("label", "graph", "score", "generate")


@dataclass
class Job:
    """What a batch job does to every shard: the command and its options (all JSON values)."""

    command: str
    options: dict[str, Any]
    out: str
    fmt: str = "jsonl"

    @property
    def folder(self) -> OutputFolder:
        return OutputFolder(self.out, self.fmt)


@dataclass
class _Rows:
    """The rows of one shard that passed the checks, and the error rows of the others."""

    shard: Shard
    good: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)

    def reject(self, row: int | None, rid: Any, kind: str, reason: str) -> None:
        self.errors.append({"row": row, "id": rid, "file": self.shard.file, "kind": kind, "reason": reason})


def _screen(shard: Shard, need: tuple[str, ...], lang: str | None) -> _Rows:
    """Rows with an id and the fields ``need``; the others become error rows."""
    out = _Rows(shard)
    seen: dict[str, int] = {}
    try:
        for i, row, problem in read_rows(shard):
            if row is None:
                out.reject(i, None, "malformed-row", problem)
                continue
            if not isinstance(row, dict):
                out.reject(i, None, "malformed-row", f"a row is a JSON object, got {type(row).__name__}")
                continue
            rid = row.get("id")
            if rid is None or not str(rid).strip():
                out.reject(i, None, "no-id", "no 'id' field (every row needs a unique id)")
                continue
            rid = row["id"] = str(rid)
            if rid in seen:
                out.reject(i, rid, "duplicate-id", f"id already on row {seen[rid]} of this shard")
                continue
            seen[rid] = i
            missing = [k for k in need if row.get(k) is None]
            if missing:
                out.reject(i, rid, "missing-field", f"no {', '.join(map(repr, missing))} field")
                continue
            if lang and row.get("lang") not in (None, lang):
                out.reject(i, rid, "other-language", f"row is lang {row['lang']!r}, the job is --lang {lang}")
                continue
            out.good.append((i, row))
    except InputError as exc:  # the whole shard is unreadable: one error row says so
        out.good.clear()
        out.reject(None, None, "unreadable-shard", str(exc))
    return out


def _report_texts(rows: _Rows, lang: str) -> list[tuple[str, str]]:
    """``(id, text)`` of the rows with a non-empty report; empty ones become error rows (at
    archive scale an empty report is a data problem to look at, not a report to label)."""
    from cxrgen.labeling.base import MAX_REPORT_CHARS, check_report

    texts = []
    for i, row in rows.good:
        text = row["report"]
        if not isinstance(text, str):
            rows.reject(i, row["id"], "bad-report", f"'report' is {type(text).__name__}, expected text")
            continue
        issue = check_report(text, lang)
        if issue == "empty":
            rows.reject(i, row["id"], "empty-report", "empty report")
            continue
        if issue:  # labelled anyway, as `cxrgen label` does; counted in the summary
            rows.warnings[issue] += 1
            if issue == "too-long":
                text = text[:MAX_REPORT_CHARS]
        texts.append((row["id"], text))
    return texts


def _finish(job: Job, stage: str, shard: Shard, rows: _Rows, output: list[dict], started: float,
            extra_files: tuple[Path, ...] = ()) -> dict[str, Any]:
    folder = job.folder
    files = [*extra_files]
    if stage == "main":
        write_rows(output, folder.output(shard.name), job.fmt)
        files.append(folder.output(shard.name))
    if rows.errors and stage == "main":
        ordered = sorted(rows.errors, key=lambda e: (e["row"] is not None, e["row"] or 0))
        write_rows(ordered, folder.errors(shard.name), "jsonl")
        files.append(folder.errors(shard.name))
    ok = len(output) if stage == "main" else len(rows.good)
    return {"stage": stage, "shard": shard.name, "rows": ok + len(rows.errors), "ok": ok, "errors": len(rows.errors),
            "kinds": dict(Counter(e["kind"] for e in rows.errors)), "warnings": dict(rows.warnings),
            "files": [str(Path(f).relative_to(folder.root)) for f in files],
            "seconds": round(time.perf_counter() - started, 4)}


def run_shard(job: Job, shard_json: str, context: dict | None = None) -> str:
    """Process one shard (label, graph or score); returns its done-record as JSON text."""
    from cxrgen.batch import work

    started = time.perf_counter()
    shard = Shard.from_json(shard_json)
    opts = job.options
    if job.command in ("label", "graph"):
        rows = _screen(shard, ("report",), opts["lang"])
        texts = _report_texts(rows, opts["lang"])
        if job.command == "label":
            output = work.label_batch(texts, opts["lang"], opts["labels"], opts.get("mt_variants", False))
        else:
            output = work.graph_batch(texts, opts["lang"])
        return json.dumps(_finish(job, "main", shard, rows, output, started))
    if job.command == "score":
        from cxrgen.batch import scoring

        stage = (context or {}).get("stage", "main")
        rows = _screen(shard, ("report", "reference"), None)
        if stage == "df":
            path = scoring.shard_document_frequencies(job, shard.name, rows)
            return json.dumps(_finish(job, "df", shard, rows, [], started, (path,)))
        output, stats_path = scoring.shard_statistics(job, shard.name, rows, context or {})
        return json.dumps(_finish(job, "main", shard, rows, output, started, (stats_path,)))
    raise ValueError(f"run_shard cannot run {job.command!r}; valid: label, graph, score")


class ShardGenerator:
    """A Ray actor's state for ``cxrgen batch generate``: one model, loaded once, for every
    shard the actor gets."""

    def __init__(self, job: Job, device: str = "cpu"):
        from cxrgen.pipeline.inference import load

        self.job = job
        self.generator = load(job.options["ckpt"], device=device)

    def run(self, shard_json: str) -> str:
        from cxrgen.batch import work

        started = time.perf_counter()
        shard = Shard.from_json(shard_json)
        rows = _screen(shard, ("images",), None)
        base = Path(shard.file).parent if shard.rows is None else Path(shard.file)
        studies, kept = [], []
        for i, row in rows.good:
            images = row["images"]
            if not isinstance(images, list) or not images or not all(isinstance(p, str) for p in images):
                rows.reject(i, row["id"], "bad-images", "'images' is a non-empty list of image paths")
                continue
            studies.append([str(base / p) for p in images])  # an absolute p stays itself
            kept.append((i, row))
        beam = self.job.options.get("beam_size")
        output = []
        for (i, row), result in zip(kept, work.generate_batch(self.generator, studies, beam_size=beam)):
            if isinstance(result, Exception):
                rows.reject(i, row["id"], "unreadable-image", str(result))
                continue
            out = {"id": row["id"], "report": result.text}
            if row.get("reference") is not None:
                out["reference"] = row["reference"]
            output.append(out)
        return json.dumps(_finish(self.job, "main", shard, rows, output, started))

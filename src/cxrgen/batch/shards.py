"""Input shards, output shards and the output folder of a ``cxrgen batch`` job.

Input: a folder of ``*.jsonl`` / ``*.parquet`` shards (each file is one shard, in name order),
one such file, or a dataset of the registry (``--dataset manifest --root manifest.jsonl``, or
``iu_xray``, ``mimic_cxr``, ...), cut into shards of ``shard_size`` studies. A row is
``{"id", "report"}`` for label / graph, ``{"id", "images"}`` for generate (paths relative to
the shard's folder) and ``{"id", "report", "reference"}`` for score; a study of a dataset gives
``id`` (study id), ``report`` (its section), ``reference`` (the same text), ``images`` and
``lang``.

Output folder::

    job.json           the job: command, options, input shards (a rerun must match it)
    shards/NAME.EXT    the output of input shard NAME (JSONL or Parquet), written atomically
    errors/NAME.jsonl  its error rows (row, id, file, reason), when it has any
    done.jsonl         one line per finished shard, appended after its files are in place
    summary.json       rows, errors by reason, throughput, wall time of the last run

A shard's files are written under a temporary name and renamed into place (``os.replace`` is
atomic on one file system), and ``done.jsonl`` gets its line only after that: a job killed at
any moment leaves complete shards or none, and the rerun redoes exactly the shards without a
line.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from cxrgen.errors import InputError

FORMATS = ("jsonl", "parquet")
SHARD_SUFFIXES = (".jsonl", ".parquet")
#: studies per shard when the input is a dataset (about a minute of labelling per shard on one
#: core at the labeler's ~4,000 reports/s would be 240k; 10k keeps resumption fine-grained)
DEFAULT_SHARD_SIZE = 10_000


@dataclass(frozen=True)
class Shard:
    """One unit of work: a file, or ``rows`` of a dataset (JSON text, so it travels as one cell)."""

    name: str
    file: str  # the shard file, or the dataset's root for rows of a dataset
    rows: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Shard":
        return cls(**json.loads(text))


def file_shards(path: str | Path) -> list[Shard]:
    """The shards of a folder (its ``*.jsonl`` / ``*.parquet`` files, by name) or of one file."""
    path = Path(path)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in SHARD_SUFFIXES and p.is_file())
        if not files:
            raise InputError(f"{path}: no *.jsonl or *.parquet shard in this folder; give a folder of "
                             "shards, one shard file, or --dataset NAME --root ROOT")
    else:
        raise InputError(f"{path}: no such file or folder")
    if any(p.suffix not in SHARD_SUFFIXES for p in files):
        raise InputError(f"{path}: a shard is a .jsonl or .parquet file; for a manifest give "
                         "--dataset manifest --root MANIFEST")
    names = [p.stem for p in files]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"{path}: shards {dup} exist as both .jsonl and .parquet; keep one of each")
    return [Shard(p.stem, str(p.resolve())) for p in files]


def dataset_shards(name: str, root: str | Path, split: str | None = None, section: str = "findings",
                   shard_size: int = DEFAULT_SHARD_SIZE) -> tuple[list[Shard], int]:
    """Shards of ``shard_size`` studies of a registered dataset, and how many rows its loader
    skipped as invalid (they are counted in the summary, not in an error shard: the loader
    already names them)."""
    from cxrgen.data.registry import load_dataset

    if shard_size < 1:
        raise InputError(f"--shard-size must be at least 1, got {shard_size}")
    options = {"skip_invalid": True} if name == "manifest" else {}
    ds = load_dataset(name, root, **options)
    studies = ds.split(split) if split else list(ds)
    rows = [_study_row(s, section) for s in studies]
    shards = []
    for i in range(0, len(rows), shard_size):
        text = json.dumps(rows[i:i + shard_size], ensure_ascii=False)
        shards.append(Shard(f"{name}-{i // shard_size:05d}", str(Path(root).resolve()), text))
    if not shards:
        raise InputError(f"dataset {name} at {root} has no studies{' in split ' + split if split else ''}")
    return shards, len(ds.skipped)


def _study_row(study, section: str) -> dict[str, Any]:
    text = study.report(section)
    return {"id": study.study_id, "report": text, "reference": text, "lang": study.language,
            "images": [im.path for im in study.images]}


def read_rows(shard: Shard) -> Iterable[tuple[int, dict | None, str | None]]:
    """``(row number, row, problem)`` of a shard: 1-based line of a JSONL file, row index + 1 of
    a Parquet file or of a dataset's rows; ``row`` is None when it cannot be parsed (``problem``
    says why). A file that cannot be read at all raises :class:`InputError`."""
    if shard.rows is not None:
        yield from ((i, r, None) for i, r in enumerate(json.loads(shard.rows), start=1))
        return
    path = Path(shard.file)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise InputError(f"{path}: unreadable Parquet file ({type(exc).__name__}: {exc})") from None
        yield from ((i, r, None) for i, r in enumerate(table.to_pylist(), start=1))
        return
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield lineno, None, f"malformed JSON ({exc.msg} at column {exc.colno})"
                    continue
                yield lineno, row, None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 at byte {exc.start}; re-encode the shard as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def write_rows(rows: list[dict], path: Path, fmt: str) -> None:
    """Write ``rows`` to ``path`` atomically: a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(rows), tmp)
        else:
            with open(tmp, "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def read_output(path: Path) -> list[dict]:
    """The rows of an output shard written by :func:`write_rows`."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class OutputFolder:
    """The output folder of one job: its description, shard paths and the done-manifest."""

    def __init__(self, root: str | Path, fmt: str = "jsonl"):
        if fmt not in FORMATS:
            raise InputError(f"unknown output format {fmt!r}; valid: {', '.join(FORMATS)}")
        self.root = Path(root)
        self.fmt = fmt

    def output(self, shard: str) -> Path:
        return self.root / "shards" / f"{shard}.{self.fmt}"

    def errors(self, shard: str) -> Path:
        return self.root / "errors" / f"{shard}.jsonl"

    def claim(self, job: dict[str, Any]) -> None:
        """Start or resume the job: write ``job.json``, or check that it describes this job."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "job.json"
        if path.exists():
            old = json.loads(path.read_text(encoding="utf-8"))
            diff = sorted(k for k in set(old) | set(job) if old.get(k) != job.get(k))
            if diff:
                raise InputError(f"{self.root} holds another job (its {', '.join(diff)} differ); rerun with "
                                 "the same command and options to resume it, or give a new --out folder")
            return
        write_json(job, path)

    def done(self, stage: str = "main") -> dict[str, dict]:
        """Finished shards of ``stage`` (name -> its done line) whose files are in place. A last
        line cut short by a kill is not a finished shard."""
        path = self.root / "done.jsonl"
        out: dict[str, dict] = {}
        if not path.exists():
            return out
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if rec.get("stage") == stage and all((self.root / f).exists() for f in rec.get("files", [])):
                out[rec["shard"]] = rec
        return out

    def mark_done(self, record: dict[str, Any]) -> None:
        path = self.root / "done.jsonl"
        # a line cut short by a kill gets its own line; the new record starts on a fresh one
        lead = "\n" if path.exists() and path.stat().st_size and not _ends_with_newline(path) else ""
        with open(path, "a", encoding="utf-8") as f:
            f.write(lead)
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())


def write_json(obj: Any, path: Path) -> None:
    """Write JSON atomically (temporary file + rename)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"

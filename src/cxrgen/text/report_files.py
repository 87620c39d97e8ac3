"""Report files: reading them (``cxrgen score`` / ``label`` / ``ce`` / ``graph``) and pairing them by id.

The one home of the report-file formats; metrics and labeling both read through it.

* ``.jsonl`` / ``.json`` files: one JSON object per line with ``"id"`` and ``"report"``
  (``"report"`` may be a list of strings in a reference file: several references);
* ``.csv`` files (:func:`read_reports` only): an ``id`` and a ``report`` column (UTF-8, a
  byte-order mark allowed);
* any other file: plain text, one report per line, ids are the line numbers (1-based). A blank
  line is an empty report; a final newline does not add one.

Errors name the file and the line or byte at fault: a file that is not UTF-8 (byte offset),
a malformed JSON line, a missing field, duplicated ids, ids present in one file only (listed).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from cxrgen.errors import InputError

_SHOW = 10  # ids listed in an error message before "... and N more"


def read_text(path: Path) -> str:
    """The file's text; a missing file, a folder or non-UTF-8 bytes are an :class:`InputError`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a report file") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not valid UTF-8 at byte offset {exc.start} "
            f"(byte 0x{data[exc.start]:02x}); re-encode the file as UTF-8, "
            f"e.g. iconv -f latin1 -t utf-8"
        ) from None


def load_reports(path: str | Path) -> list[tuple[str, str | list[str]]]:
    """``[(id, report), ...]`` in file order; see the module docstring for the formats."""
    path = Path(path)
    text = read_text(path)
    if text.startswith("\ufeff"):  # a UTF-8 byte-order mark is not part of the first report
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if path.suffix.lower() not in (".jsonl", ".json"):
        return [(str(i), line) for i, line in enumerate(lines, start=1)]
    out: list[tuple[str, str | list[str]]] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            raise InputError(f"{path}:{lineno}: blank line in a JSONL file; remove it")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or "id" not in obj or "report" not in obj:
            raise InputError(f'{path}:{lineno}: expected an object with "id" and "report"')
        rid, report = str(obj["id"]), obj["report"]
        if report is None:
            raise InputError(f'{path}:{lineno}: "report" is null; use "" for an empty report')
        if not isinstance(report, str) and not (
            isinstance(report, list) and report and all(isinstance(r, str) for r in report)
        ):
            raise InputError(f'{path}:{lineno}: "report" must be a string or a list of strings')
        if rid in seen:
            raise InputError(f"{path}:{lineno}: id {rid!r} already on line {seen[rid]}")
        seen[rid] = lineno
        out.append((rid, report))
    return out


def _listing(ids: list[str]) -> str:
    shown = ", ".join(ids[:_SHOW])
    return shown + (f" ... and {len(ids) - _SHOW} more" if len(ids) > _SHOW else "")


def pair_reports(hyps_path, refs_path):
    """``(ids, hyps, refs)`` in the references' order, every id present in both files."""
    refs = load_reports(refs_path)
    hyps = load_reports(hyps_path)
    hyp_by_id = dict(hyps)
    for rid, h in hyps:
        if not isinstance(h, str):
            raise InputError(f"{hyps_path}: id {rid}: a hypothesis must be one string, not a list")
    ref_ids = [rid for rid, _ in refs]
    missing = [rid for rid in ref_ids if rid not in hyp_by_id]
    ref_set = set(ref_ids)
    extra = [rid for rid, _ in hyps if rid not in ref_set]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} id(s) of {refs_path} missing from {hyps_path}: {_listing(missing)}")
        if extra:
            parts.append(f"{len(extra)} id(s) of {hyps_path} not in {refs_path}: {_listing(extra)}")
        raise InputError("; ".join(parts) + "; every report needs both a reference and a hypothesis")
    return ref_ids, [hyp_by_id[rid] for rid in ref_ids], [r for _, r in refs]


def read_reports(path: str | Path) -> list[tuple[str, str]]:
    """``[(id, report)]`` in file order (JSONL, plain text or CSV); a list of references keeps its first."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        text = read_text(path).lstrip("\ufeff")
        reader = csv.DictReader(io.StringIO(text))
        fields = reader.fieldnames or []
        if "id" not in fields or "report" not in fields:
            raise InputError(f"{path}: a CSV report file needs 'id' and 'report' columns; "
                             f"found {fields}")
        out, seen = [], {}
        for lineno, row in enumerate(reader, start=2):
            rid = row["id"]
            if rid in seen:
                raise InputError(f"{path}:{lineno}: id {rid!r} already on line {seen[rid]}")
            seen[rid] = lineno
            out.append((rid, row["report"] or ""))
        return out
    return [(rid, r if isinstance(r, str) else r[0]) for rid, r in load_reports(path)]

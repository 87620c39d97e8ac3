"""Progress of long commands: plain periodic lines off a terminal, a tqdm bar on one, quiet for short work."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cxrgen import progress
from cxrgen.cli import main
from cxrgen.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_off_a_terminal():
    out = io.StringIO()
    with Progress(10, "labelling", "reports", file=out, period=0, delay=0) as p:
        p.set(5)
        p.update(5)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("labelling: 5/10 reports (50%), 0 s, ~0 s left")
    assert lines[1].startswith("labelling: 10/10 reports (100%)")
    quiet = io.StringIO()
    with Progress(10, "labelling", "reports", file=quiet) as p:  # default delay: short work says nothing
        p.update(10)
    assert quiet.getvalue() == ""


def test_a_bar_on_a_terminal():
    out = Terminal()
    with Progress(4, "checking images", "images", file=out, delay=0) as p:
        p.update(4)
    assert "\rchecking images:   0%|" in out.getvalue()  # tqdm drew its bar (and cleared it: leave=False)


@pytest.fixture
def eager(monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    monkeypatch.setattr(progress, "PERIOD_S", 0.0)


@pytest.mark.parametrize("argv,line", [
    (["label", "{reports}", "--lang", "en", "--out", "{tmp}/labels.csv"], "labelling: 3/3 reports"),
    (["graph", "{reports}", "--lang", "en", "--out", "{tmp}/g.jsonl"], "extracting graphs: 3/3 reports"),
    (["ce", "--refs", "{reports}", "--hyps", "{reports}", "--lang", "en"], "labelling generated: 3/3 reports"),
])
def test_commands_report_progress(tmp_path, capsys, eager, argv, line):
    reports = tmp_path / "reports.txt"
    reports.write_text("Heart size is normal.\nSmall left pleural effusion.\nNo pneumothorax.\n")
    assert main([a.format(reports=reports, tmp=tmp_path) for a in argv]) == 0
    assert line in capsys.readouterr().err


def test_data_check_reports_progress_and_warns_on_zero_studies(tmp_path, capsys, eager):
    from PIL import Image

    (tmp_path / "a.png").write_bytes(b"")
    Image.new("L", (80, 80)).save(tmp_path / "b.png")
    rows = [f'{{"study_id": "s{i}", "patient_id": "p{i}", "images": [{{"path": "{n}"}}], "findings": "Normal.", '
            f'"language": "en"}}' for i, n in enumerate(("a.png", "b.png"))]
    (tmp_path / "manifest.jsonl").write_text("\n".join(rows) + "\n")
    assert main(["data", "check", "manifest", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "checking images: 2/2 images (100%)" in err
    # every row skipped: a warning with the cause, not "checked 0 images of 0 studies" and status 0
    (tmp_path / "bad.jsonl").write_text('{"study_id": "s1"}\n')
    assert main(["data", "check", "manifest", "--root", str(tmp_path / "bad.jsonl"), "--skip-invalid"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cxrgen data check: warning: 0 studies loaded from") and "all 1 rows were skipped" in err
    assert Path(tmp_path / "manifest.jsonl").is_file()

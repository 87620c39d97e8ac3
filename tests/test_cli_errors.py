"""Every user mistake the newcomer's walk-through found (issue 12, items 5 and 6) is one line
``cxrgen X: error: ...`` on stderr, no traceback, with the right exit status.

The commands run in-process through ``cxrgen.cli.main`` (real files, a real tiny checkpoint); the
pipe closed by ``| head`` needs a real process and runs as one.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from cxrgen.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent / "train"))
from toy_data import TINY_R2GEN, write_toy_dataset  # noqa: E402


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """Files for every row: a tiny trained checkpoint, one whose weights do not fit, bad images."""
    from cxrgen.train.config import load_config
    from cxrgen.train.experiment import run

    tmp = tmp_path_factory.mktemp("errors")
    root = write_toy_dataset(tmp / "toy", n=20)
    run(load_config(None, TINY_R2GEN + [f"data.root={root}", f"train.out={tmp / 'run'}", "train.epochs=1"]))
    ckpt = torch.load(tmp / "run" / "best.pt", weights_only=True)
    state = ckpt["model"]
    first = next(k for k, v in state.items() if v.ndim == 2)
    state[first] = torch.zeros(state[first].shape[0] + 1, state[first].shape[1])  # another model size
    state.pop(next(reversed(state)))
    torch.save(ckpt, tmp / "mismatch.pt")
    (tmp / "report.dcm").write_text("Heart size is normal.\n")
    png = tmp / "s1.png"
    Image.fromarray(np.full((80, 80), 128, dtype=np.uint8)).save(png)
    (tmp / "reports.txt").write_text("Heart size is normal.\nNo pleural effusion.\n")
    full = tmp / "full_run"
    full.mkdir()
    (full / "best.pt").write_bytes(b"previous result")
    return {"tmp": tmp, "root": root, "ckpt": tmp / "run" / "best.pt", "png": png}


def _tiny_train(env, *extra):
    """The demo preset made tiny, on the toy manifest."""
    return ["train", "--config", "demo", f"data.root={env['root']}", *TINY_R2GEN, "data.options={}",
            "data.section=findings", "data.num_workers=0", "pretrain.steps=0", "train.epochs=1", *extra]


#: (command name, argv from the fixture's paths, the error's text (regex), exit status)
ROWS = [
    ("label", lambda e: ["label", str(e["tmp"] / "reports.txt"), "--lang", "en", "--out", "/nonexistent/x.csv"],
     r"/nonexistent/x.csv: No such file or directory", 2),
    ("graph", lambda e: ["graph", str(e["tmp"] / "reports.txt"), "--lang", "en", "--out", "/nonexistent/x.jsonl"],
     r"/nonexistent/x.jsonl: No such file or directory", 2),
    ("data stats", lambda e: ["data", "stats", "manifest", "--root", str(e["root"]), "--section", "bogus"],
     r"argument --section: invalid choice: 'bogus' .*findings\+impression", 2),
    ("generate", lambda e: ["generate", "--ckpt", str(e["ckpt"]), "--device", "gpu", str(e["png"])],
     r"unknown device 'gpu'; give auto, cpu, cuda or cuda:N", 2),
    ("generate", lambda e: ["generate", "--ckpt", str(e["ckpt"]), "--device", "cuda:99", str(e["png"])],
     r"device 'cuda:99' asked for, but this machine has|only \d+ CUDA device", 2),
    ("evaluate", lambda e: ["evaluate", "--ckpt", str(e["ckpt"]), "--device", "gpu"], r"unknown device 'gpu'", 2),
    ("generate", lambda e: ["generate", "--ckpt", str(e["tmp"] / "mismatch.pt"), str(e["png"])],
     r"mismatch.pt: its weights do not fit .*1 missing .*1 of another shape", 2),
    ("train", lambda e: _tiny_train(e, f"train.out={e['tmp'] / 'resumed'}", "--resume", str(e["tmp"] / "mismatch.pt")),
     r"mismatch.pt: its weights do not fit", 2),
    ("generate", lambda e: ["generate", "--ckpt", str(e["tmp"] / "run"), str(e["png"])],
     r"run is a folder, not a checkpoint file; it holds best.pt and last.pt: give .*run/best.pt", 2),
    ("generate", lambda e: ["generate", "--ckpt", str(e["ckpt"]), str(e["tmp"] / "report.dcm")],
     r"report.dcm: not a DICOM file \(no 'DICM' marker", 2),
    ("generate", lambda e: ["generate", "--ckpt", str(e["ckpt"]), str(e["png"]), str(e["png"])],
     r"2 images given; this model reads at most 1 view per study \(frontal first\): give the frontal", 2),
    ("generate", lambda e: ["generate", "--ckpt", str(e["ckpt"]), "--beam-size", "0", str(e["png"])],
     r"argument --beam-size: 0 is out of range; it must be 1 or more", 2),
    ("generate", lambda e: ["generate", "--ckpt", str(e["ckpt"]), str(e["tmp"] / "nope.png")],
     r"nope.png: image file not found; check the path", 2),
    ("train", lambda e: _tiny_train(e, "train.epochs=-1"), r"train.epochs=-1 is out of range; it must be in \[1, inf\)", 2),
    ("train", lambda e: _tiny_train(e, "train.batch_size=0"), r"train.batch_size=0 is out of range", 2),
    ("train", lambda e: _tiny_train(e, "optim.lr_decoder=-1"), r"optim.lr_decoder=-1.0 is out of range; .*\(0, inf\)", 2),
    ("train", lambda e: _tiny_train(e, "pretrain.steps=-5"), r"pretrain.steps=-5 is out of range", 2),
    ("train", lambda e: _tiny_train(e, f"train.out={e['tmp'] / 'full_run'}"),
     r"run folder .*full_run already holds a run \(best.pt\); continue it with --resume", 2),
    ("train", lambda e: ["train", "--config", str(e["tmp"] / "run")], r"config file .*run is a folder, not a YAML", 2),
]


@pytest.mark.parametrize("command,argv,message,status", ROWS, ids=[f"{i:02d}-{r[0]}" for i, r in enumerate(ROWS)])
def test_user_error_is_one_line(env, capsys, command, argv, message, status):
    try:
        got = main(argv(env))
    except SystemExit as exc:  # argparse's own errors
        got = exc.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("[", "note:"))]
    assert got == status, err
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith(f"cxrgen {command}: error: "), err
    assert re.search(message, lines[0]), lines[0]
    # nothing of the previous run was touched
    assert (env["tmp"] / "full_run" / "best.pt").read_bytes() == b"previous result"


def test_pipe_closed_by_head_is_quiet(env):
    """`cxrgen label ... | head -1`: the reader goes away; no BrokenPipeError traceback, status 141."""
    many = env["tmp"] / "many.txt"
    many.write_text("Heart size is normal. No pleural effusion.\n" * 3000)
    proc = subprocess.Popen([sys.executable, "-m", "cxrgen", "graph", str(many), "--lang", "en", "--out", "/dev/stdout"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # what `head -1` does after its line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


def test_overwrite_moves_the_previous_run_aside(env, capsys):
    """`train --overwrite` into a folder holding a run: the old run is moved to FOLDER.old-<time>, intact."""
    folder = env["tmp"] / "again"
    folder.mkdir()
    (folder / "best.pt").write_bytes(b"the old result")
    assert main(_tiny_train(env, f"train.out={folder}", "--overwrite")) == 0
    err = capsys.readouterr().err
    moved = [p for p in env["tmp"].iterdir() if p.name.startswith("again.old-")]
    assert len(moved) == 1 and (moved[0] / "best.pt").read_bytes() == b"the old result"
    assert f"moved to {moved[0]}" in err
    assert (folder / "best.pt").is_file() and (folder / "best.pt").read_bytes() != b"the old result"

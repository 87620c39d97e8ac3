"""What ``pip install cxrgen`` users get: a wheel built from this checkout, installed into a fresh
virtual environment, run from an empty folder (so that nothing of the checkout is on the path).

No network: the wheel is installed with ``--no-deps`` and the fresh environment sees this test's own
site-packages (torch, numpy, ...) through a ``.pth`` line. A ``.pth`` line only appends a folder to
``sys.path``; the ``.pth`` files inside it (the checkout's editable install) are not run, so the
``cxrgen`` imported there is the wheel's (checked).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _sh(args, cwd, timeout=300, check=True):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(cxrgen executable, python, empty working folder) of a fresh venv holding only the wheel."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy, so that the build's build/ and egg-info never land in the checkout
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    _sh([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(tmp / "dist"), str(src)], cwd=tmp)
    wheel = next((tmp / "dist").glob("cxrgen-*.whl"))
    venv = tmp / "venv"
    _sh([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp)
    python = venv / "bin" / "python"
    _sh([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
         str(wheel)], cwd=tmp)
    purelib = Path(_sh([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       cwd=tmp).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}
    (purelib / "zz_test_site_packages.pth").write_text("\n".join(sorted(ours)) + "\n")
    empty = tmp / "empty"
    empty.mkdir()
    return venv / "bin" / "cxrgen", python, empty


def test_wheel_carries_presets_and_license(installed):
    cxrgen, python, empty = installed
    where = _sh([str(python), "-c", "import cxrgen, pathlib; print(pathlib.Path(cxrgen.__file__).parent)"],
                cwd=empty).stdout.strip()
    assert Path(where).is_relative_to(python.parent.parent), f"cxrgen imported from {where}, not the wheel"
    meta = _sh([str(python), "-c", "import importlib.metadata as m; d = m.distribution('cxrgen'); "
                "print(d.metadata['License-Expression']); print(any('LICENSE' in str(f) for f in d.files))"],
               cwd=empty).stdout.split()
    assert meta == ["Apache-2.0", "True"]
    helped = _sh([str(cxrgen), "train", "--config", "demo", "--help"], cwd=empty).stdout
    presets = _sh([str(python), "-c", "from cxrgen.train.presets import list_presets; print(*list_presets())"],
                  cwd=empty).stdout.split()
    assert {"demo", "demo_retrieval", "r2gen_iu_xray", "r2gencmn_mimic_cxr", "cnx2rg_cn_cxr"} <= set(presets)
    assert all(name in " ".join(helped.split()) for name in presets)
    # every preset resolves by name from the installed package, in a folder without configs/
    check = ("from cxrgen.train.config import load_config; from cxrgen.train.presets import list_presets; "
             "print(*[load_config(n).model.name for n in list_presets()])")
    assert len(_sh([str(python), "-c", check], cwd=empty).stdout.split()) == len(presets)


def test_wheel_runs_a_tiny_demo(installed):
    cxrgen, _, empty = installed
    done = _sh([str(cxrgen), "demo", "--out", "demo", "--studies", "30", "--size", "64", "train.epochs=1",
                "pretrain.steps=2", "data.resize=40", "data.crop=32", "train.progress=false",
                "data.num_workers=0"], cwd=empty, timeout=600)
    assert "CE-F1-micro" in done.stdout
    page = (empty / "demo" / "report.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "data:image/png;base64," in page
    # the folder `demo` now exists in the working folder; the preset name still means the preset, and
    # training it into the demo's run folder is refused rather than replacing the demo's checkpoint
    again = _sh([str(cxrgen), "train", "--config", "demo", "--out", "demo/r2gen", "train.epochs=1"], cwd=empty,
                check=False)
    assert again.returncode == 2 and again.stderr.startswith("cxrgen train: error: run folder demo/r2gen already")

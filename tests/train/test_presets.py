"""Presets are package data found by name (never a folder of the working directory); every numeric
config key has a range; a run folder holding a run is refused unless --resume / --overwrite."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from cxrgen.errors import ConfigError
from cxrgen.train.config import RANGES, Config, load_config
from cxrgen.train.presets import list_presets, read_preset
from cxrgen.train.run_folder import prepare_run_folder


def test_presets_are_package_data():
    import cxrgen

    assert {"demo", "demo_retrieval", "r2gen_iu_xray", "r2gen_mimic_cxr"} <= set(list_presets())
    # inside the package, so that a wheel carries them (tests/test_wheel.py installs one)
    folder = Path(cxrgen.__file__).parent / "configs"
    assert all((folder / f"{n}.yaml").is_file() for n in list_presets())


def test_a_folder_named_like_a_preset_does_not_hijack_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").mkdir()  # what `cxrgen demo --out demo` leaves behind
    (tmp_path / "demo" / "config.yaml").write_text("train: {epochs: 1}\n")
    assert load_config("demo").model.name == "r2gen"
    with pytest.raises(ConfigError, match="config file demo is a folder, not a YAML file"):
        load_config("demo/")


def test_base_preset_and_own_yaml_file(tmp_path):
    r = load_config("demo_retrieval")
    d = load_config("demo")
    assert (r.model.name, r.train.task, r.pretrain.steps) == ("retrieval", "contrastive", 0)
    assert r.data == d.data and r.optim == d.optim  # everything not named comes from the base
    assert "n_layers" not in r.model.options  # options replaced whole, not merged
    own = tmp_path / "mine.yaml"
    own.write_text("base: demo\ntrain: {epochs: 2}\n")
    c = load_config(str(own))
    assert c.train.epochs == 2 and c.model == d.model
    (tmp_path / "loop.yaml").write_text(f"base: {tmp_path / 'loop.yaml'}\n")
    with pytest.raises(ConfigError, match="without cycles"):
        load_config(str(tmp_path / "loop.yaml"))
    with pytest.raises(ConfigError, match=r"unknown preset 'demo2'; presets: .*demo_retrieval"):
        load_config("demo2")


def test_every_numeric_key_has_a_range():
    numeric = set()
    sections = typing.get_type_hints(Config)
    for name, cls in sections.items():
        hints = typing.get_type_hints(cls)
        numeric |= {f"{name}.{f.name}" for f in dataclasses.fields(cls) if hints[f.name] in (int, float)}
    assert numeric == set(RANGES)
    for name in list_presets():  # every shipped preset is inside the ranges
        load_config(name)


@pytest.mark.parametrize("override,message", [
    ("train.epochs=-1", r"train.epochs=-1 is out of range; it must be in \[1, inf\)"),
    ("train.batch_size=0", r"train.batch_size=0 is out of range; it must be in \[1, inf\)"),
    ("optim.lr_decoder=-1", r"optim.lr_decoder=-1.0 is out of range; it must be in \(0, inf\)"),
    ("pretrain.steps=-5", r"pretrain.steps=-5 is out of range; it must be in \[0, inf\)"),
    ("decode.beam_size=0", r"decode.beam_size=0 is out of range"),
    ("data.sentence_shuffle=1.5", r"data.sentence_shuffle=1.5 is out of range; it must be in \[0, 1\]"),
    ("optim.gamma=.nan", r"optim.gamma=nan is out of range; it must be in \(0, 1\]"),
    ("optim.betas=[0.9, 1.0]", r"optim.betas=\[0.9, 1.0\] must be two numbers in \[0, 1\)"),
    ("data.crop=300", r"data.crop=300 is larger than data.resize=256"),
])
def test_out_of_range_names_key_and_range(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, [override])


def test_run_folder_guard(tmp_path):
    run = tmp_path / "run"
    assert prepare_run_folder(run) is None  # absent: fine
    run.mkdir()
    assert prepare_run_folder(run) is None  # empty: fine
    (run / "best.pt").write_bytes(b"old")
    with pytest.raises(ConfigError, match=r"already holds a run \(best.pt\); continue it with --resume .*last.pt"):
        prepare_run_folder(run)
    assert prepare_run_folder(run, resume=run / "last.pt") is None and (run / "best.pt").exists()
    assert prepare_run_folder(run, overwrite=True, move=False) is None and (run / "best.pt").exists()
    moved = prepare_run_folder(run, overwrite=True)
    assert not run.exists() and (moved / "best.pt").read_bytes() == b"old"
    assert moved.name.startswith("run.old-")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        prepare_run_folder(tmp_path / "file")

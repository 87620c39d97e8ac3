"""Commands of an optional extra say what to install when it is missing (no traceback)."""

from __future__ import annotations

import sys

import pytest

from cxrgen.cli import main
from cxrgen.errors import ConfigError, require_extra


def test_require_extra_imports_or_names_the_extra(tmp_path, monkeypatch):
    import json

    assert require_extra("json", "core", "a test") is json
    # a folder named like the module (Ray leaves /tmp/ray) is an empty namespace package: missing
    (tmp_path / "cxrgen_fake_extra").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=r"pip install 'cxrgen\[batch\]'"):
        require_extra("cxrgen_fake_extra", "batch", "cxrgen batch")


@pytest.mark.parametrize("argv, module, extra", [
    (["batch", "label", "SHARDS", "--out", "OUT", "--lang", "en"], "ray", "batch"),
    (["pacs", "pull", "--url", "http://127.0.0.1:9/dicom-web", "--study", "1.2"], "dicomweb_client", "pacs"),
])
def test_commands_of_a_missing_extra_fail_in_one_line(argv, module, extra, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError, as when not installed
    argv = [str(tmp_path / a) if a in ("SHARDS", "OUT") else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"pip install 'cxrgen[{extra}]'" in err and "Traceback" not in err

import re

import pytest

from cxrgen import __version__
from cxrgen.cli import COMMANDS, build_parser, main
from cxrgen.errors import UnknownNameError
from cxrgen.registry import Registry


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_parser(name):
    help_text = build_parser().format_help()
    # the command's own line of the listing ("    ce   ..."), not a substring ("ce" in "service")
    assert re.search(rf"^\s+{re.escape(name)}\s", help_text, re.MULTILINE)
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_registry_unknown_name_lists_valid_choices():
    reg = Registry("widget")
    reg.register("b")(object)
    reg.register("a")(object)
    with pytest.raises(UnknownNameError) as exc:
        reg.get("c")
    assert "unknown widget 'c'" in str(exc.value)
    assert "valid choices: a, b" in str(exc.value)
    assert reg.names() == ["a", "b"]


def test_registry_rejects_duplicates():
    reg = Registry("widget")
    reg.register("a")(object)
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("a")(object)

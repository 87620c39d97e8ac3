"""The ``cxrgen`` command line: thin. Parse, call the library, format what it returns.

Each subcommand lives in ``cxrgen.commands.<name>`` and exposes
``add_parser(subparsers)`` which registers its parser with ``func=run`` as default;
``run(args)`` returns an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from cxrgen import __version__
from cxrgen.errors import CxrgenError

# Subcommand modules, in the order `cxrgen --help` lists them.
COMMANDS = (
    "data",
    "train",
    "evaluate",
    "generate",
    "demo",
    "score",
    "label",
    "ce",
    "graph",
    "serve",
    "pacs",
    "humaneval",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxrgen",
        description="Chest X-ray report generation and evaluation (en, fr, zh).",
    )
    parser.add_argument("--version", action="version", version=f"cxrgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"cxrgen.commands.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CxrgenError as exc:
        print(f"cxrgen {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""The ``cxrgen`` command line: thin. Parse, call the library, format what it returns.

Each subcommand lives in ``cxrgen.commands.<name>`` and exposes
``add_parser(subparsers)`` which registers its parser with ``func=run`` as default;
``run(args)`` returns an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    "errors",
    "graph",
    "serve",
    "pacs",
    "humaneval",
    "batch",
)


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (``cxrgen X: error: ...; see cxrgen X --help``) rather than
    the usage block before them: the same form as every other error of cxrgen. Status 2 as argparse."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}; see {self.prog} --help\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with ``only`` the parser of that one command: ``cxrgen score`` then imports
    the metrics alone, not the data, model and labeling registries of every other command (~0.3 s of a
    ~1 s process)."""
    parser = Parser(
        prog="cxrgen",
        description="Chest X-ray report generation and evaluation (en, fr, zh).",
    )
    parser.add_argument("--version", action="version", version=f"cxrgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only not in COMMANDS else (only,):
        importlib.import_module(f"cxrgen.commands.{name}").add_parser(sub)
    return parser


def _error(command: str | None, message: str) -> int:
    """One line on stderr, ``cxrgen COMMAND: error: ...`` (argparse's own form), status 2."""
    print(f"cxrgen {command or ''}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run one command. A user's mistake is one line and status 2, never a traceback:
    :class:`CxrgenError` (bad input or config), a file that cannot be read or written (an ``OSError``
    naming the file). ``cxrgen ... | head`` closing the pipe ends quietly with 141 (128 + SIGPIPE),
    as a shell command would; Ctrl-C with 130. Set ``CXRGEN_TRACEBACK=1`` to see the traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    command = " ".join(c for c in (args.command, getattr(args, "data_command", None)) if c)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # inside the try: a reader that has gone fails here, not at interpreter exit
        return status
    except BrokenPipeError:
        # the reader has gone: point stdout at /dev/null so that the interpreter's final flush is silent
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(f"cxrgen {command}: interrupted", file=sys.stderr)
        return 130
    except (CxrgenError, OSError) as exc:
        if os.environ.get("CXRGEN_TRACEBACK") or (isinstance(exc, OSError) and exc.filename is None):
            raise  # an OSError without a file is not about the user's input: keep the traceback
        if isinstance(exc, OSError):
            return _error(command, f"{exc.filename}: {exc.strerror or exc}")
        return _error(command, str(exc))


if __name__ == "__main__":
    sys.exit(main())

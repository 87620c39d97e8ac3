"""`cxrgen data ...`: build, check and describe datasets.

Each data subcommand lives in ``cxrgen.commands.data_<name>`` with ``add_parser(dsub)``.
"""

from __future__ import annotations

import importlib

DATA_COMMANDS: tuple[str, ...] = ("check", "stats", "split", "synth")


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="build, check and describe datasets")
    dsub = p.add_subparsers(dest="data_command", metavar="DATA_COMMAND")
    for name in DATA_COMMANDS:
        importlib.import_module(f"cxrgen.commands.data_{name}").add_parser(dsub)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

"""`cxrgen data ...`: build, check and describe datasets."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="build, check and describe datasets")
    dsub = p.add_subparsers(dest="data_command", metavar="DATA_COMMAND")
    # Each `data` subcommand registers itself here (synth, check, stats, split, ...).
    for add in _SUBCOMMANDS:
        add(dsub)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


_SUBCOMMANDS: list = []

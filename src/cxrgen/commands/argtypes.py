"""argparse types for counts: a beam of 0 or -5 studies is refused at parse time with the option's name."""

from __future__ import annotations

import argparse


def _int(text: str, low: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"{value} is out of range; {what}")
    return value


def positive_int(text: str) -> int:
    """1, 2, 3, ..."""
    return _int(text, 1, "it must be 1 or more")


def count(text: str) -> int:
    """0, 1, 2, ... (0 usually meaning "all" or "off", as each option's help says)."""
    return _int(text, 0, "it must be 0 or more")

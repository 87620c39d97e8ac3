"""Progress of long work (evaluate, data check, label, ce, graph): a tqdm bar on a terminal,
a line every ``PERIOD_S`` seconds otherwise (a log file or CI gets no carriage-return soup).

Nothing is shown for work that ends within ``DELAY_S`` seconds, so small inputs stay quiet.
``CXRGEN_PROGRESS=0`` turns it off. Library functions take a ``progress(done, total)`` callback;
the commands pass :meth:`Progress.set`.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Iterable, Iterator, Sequence, TextIO, TypeVar

T = TypeVar("T")
R = TypeVar("R")

DELAY_S = 2.0  # quiet below this: no bar for a handful of reports
PERIOD_S = 10.0  # seconds between two plain lines when stderr is not a terminal


class Progress:
    """``with Progress(total, "generating", "reports") as p: ... p.update(n)`` (or ``p.set(done)``)."""

    def __init__(self, total: int | None, desc: str, unit: str = "it", file: TextIO | None = None,
                 period: float | None = None, delay: float | None = None, enabled: bool | None = None):
        self.total, self.desc, self.unit = total, desc, unit
        # read at call time, so that a test (or a caller) can shorten them
        self.period = PERIOD_S if period is None else period
        self.delay = DELAY_S if delay is None else delay
        self.file = file or sys.stderr
        if enabled is None:
            enabled = os.environ.get("CXRGEN_PROGRESS", "1") != "0"
        self.enabled = enabled
        self.done = 0
        self.start = self.last = time.monotonic()
        self._bar = None
        if enabled and _is_terminal(self.file):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=f" {unit}", file=self.file, delay=self.delay, leave=False,
                             dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        self.set(self.done + n)

    def set(self, done: int, total: int | None = None) -> None:
        if total is not None and total != self.total:
            self.total = total
            if self._bar is not None:
                self._bar.total = total
        if self._bar is not None:
            self._bar.update(done - self.done)
        self.done = done
        now = time.monotonic()
        if self._bar is None and self.enabled and now - self.start >= self.delay and now - self.last >= self.period:
            self.last = now
            print(self.line(now), file=self.file, flush=True)

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self.start
        if not self.total:
            return f"{self.desc}: {self.done} {self.unit}, {elapsed:.0f} s"
        left = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        return (f"{self.desc}: {self.done}/{self.total} {self.unit} ({100 * self.done / self.total:.0f}%), "
                f"{elapsed:.0f} s, ~{left:.0f} s left")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def track(items: Iterable[T], desc: str, unit: str = "it", total: int | None = None) -> Iterator[T]:
    """Iterate ``items`` with a :class:`Progress` (``total`` defaults to ``len(items)`` when it has one)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(total, desc, unit) as p:
        for item in items:
            yield item
            p.update()


def map_chunks(fn: Callable[[list[T]], list[R]], items: Sequence[T], desc: str, unit: str = "it",
               chunk: int = 1000) -> list[R]:
    """``fn`` over ``items`` a chunk at a time, the results concatenated, with a :class:`Progress`
    (the in-process commands call the same per-batch functions as ``cxrgen batch``)."""
    out: list[R] = []
    with Progress(len(items), desc, unit) as p:
        for start in range(0, len(items), chunk):
            part = items[start:start + chunk]
            out += fn(part)
            p.update(len(part))
    return out


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

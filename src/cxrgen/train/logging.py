"""Run logs: a CSV table and TensorBoard event files in the run folder, plus a progress line.

``metrics.csv`` is long format (``step, epoch, split, name, value``) so that a metric added
later never breaks the columns. TensorBoard events are written by torch's own SummaryWriter
(needs the ``tensorboard`` package, in the ``train`` extra); without it the CSV is still written
and the run says once that no event files are made. Only rank 0 logs.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path


class RunLogger:
    def __init__(self, run_dir: str | Path, enabled: bool = True, progress: bool = True):
        self.enabled = enabled
        self.progress = progress and enabled
        self.run_dir = Path(run_dir)
        self._tb = None
        self._csv = None
        self._t0 = time.perf_counter()
        if not enabled:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / "metrics.csv"
        new = not path.exists()
        self._csv_file = open(path, "a", newline="", encoding="utf-8")
        self._csv = csv.writer(self._csv_file)
        if new:
            self._csv.writerow(["step", "epoch", "split", "name", "value"])
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            print("note: the tensorboard package is absent; logging to metrics.csv only "
                  "(pip install 'cxrgen[train]' for event files)", file=sys.stderr)
        else:
            self._tb = SummaryWriter(log_dir=str(self.run_dir / "tensorboard"))

    def log(self, split: str, metrics: dict[str, float], step: int, epoch: int) -> None:
        if not self.enabled:
            return
        for name, value in metrics.items():
            if value is None:
                continue
            self._csv.writerow([step, epoch, split, name, f"{float(value):.6g}"])
            if self._tb is not None:
                self._tb.add_scalar(f"{split}/{name}", float(value), step)
        self._csv_file.flush()

    def bar(self, epoch: int, done: int, total: int, loss: float, samples_per_s: float) -> None:
        """Progress with loss and speed: one line redrawn in place on a terminal; in a log file (not a
        terminal) a plain line at each quarter of the epoch, so that logs stay readable."""
        if not self.progress:
            return
        interactive = sys.stderr.isatty()
        if not interactive and done < total and done % max(1, total // 4):
            return
        width = 24
        filled = int(width * done / max(1, total))
        line = (f"epoch {epoch} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                f"loss {loss:.4f} {samples_per_s:.1f} samples/s")
        if interactive:
            sys.stderr.write("\r" + line + ("\n" if done >= total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def message(self, text: str) -> None:
        if self.enabled:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if not self.enabled:
            return
        self._csv_file.close()
        if self._tb is not None:
            self._tb.close()

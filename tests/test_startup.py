"""`cxrgen score` is run as a process: its start-up is part of its speed (issue 12, item 10).

A small corpus must not pay for numba (the compiled METEOR loop pays off only from
``BATCH_MIN_PAIRS`` pairs), nor for torch or the other commands' registries.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from cxrgen.cli import main
status = main(["score", "--refs", sys.argv[1], "--hyps", sys.argv[2], "--tokenized"])
heavy = sorted(m for m in ("numba", "torch", "yaml", "cxrgen.data.registry", "cxrgen.labeling") if m in sys.modules)
print("probe:", status, *heavy)
"""


def test_score_process_imports_only_the_metrics(tmp_path):
    refs, hyps = tmp_path / "refs.txt", tmp_path / "hyps.txt"
    refs.write_text("heart size is normal .\nno pleural effusion .\n" * 50)
    hyps.write_text("the heart is normal .\nsmall pleural effusion .\n" * 50)
    done = subprocess.run([sys.executable, "-c", PROBE, str(refs), str(hyps)], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.splitlines()[-1].split() == ["probe:", "0"], done.stdout

"""Build METEOR 1.5's cached resource index: ``python -m cxrgen.metrics.meteor.build``.

Reads ``meteor-1.5.jar`` and ``paraphrase-en.gz`` (no Java) from ``--meteor-dir``, from
``CXRGEN_METEOR_DIR`` or from the installed pycocoevalcap, and writes the index to
``--out`` (default: the user cache, see :func:`cxrgen.metrics.meteor.resources.cache_dir`).
"""

from __future__ import annotations

import argparse
import sys

from cxrgen.errors import CxrgenError
from cxrgen.metrics.meteor.resources import build_index, cache_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cxrgen.metrics.meteor.build", description=__doc__)
    parser.add_argument("--meteor-dir", help="folder holding meteor-1.5.jar and data/paraphrase-en.gz")
    parser.add_argument("--out", help=f"index folder (default {cache_dir()})")
    args = parser.parse_args(argv)
    try:
        folder = build_index(args.meteor_dir, out_dir=args.out)
    except CxrgenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())

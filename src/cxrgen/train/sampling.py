"""Oversampling of studies with rare findings (CN-X2RG data pipeline).

The CN-CXR paper balances its training set by repeating studies that show a rare finding, with two
caps: a finding's studies are repeated at most 10 times, and repetition stops adding copies once a
finding would pass 5,000 samples. Here a finding with ``n`` positive training studies gets the
factor ``min(max_factor, max(1, max_per_finding // n))``; a study is repeated by the largest
factor among its positive findings (a study with no positive finding once). Studies are repeated,
never synthesised, so the epoch sees each image unchanged (augmentation happens later, per sample).

Because findings co-occur, a frequent finding can gain copies through a rare one it appears with;
:func:`oversample` returns the counts before and after so that the effect is logged, not hidden.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from cxrgen.data.study import Study
from cxrgen.errors import ConfigError

MAX_FACTOR = 10  # CN-CXR: at most x10
MAX_PER_FINDING = 5000  # CN-CXR: at most 5,000 samples per finding


def finding_factors(studies: Sequence[Study], max_factor: int = MAX_FACTOR,
                    max_per_finding: int = MAX_PER_FINDING) -> dict[str, int]:
    """Repeat factor per finding, from its count of positive studies."""
    if max_factor < 1 or max_per_finding < 1:
        raise ConfigError(f"oversampling caps must be >= 1 (got max_factor={max_factor}, "
                          f"max_per_finding={max_per_finding})")
    counts = Counter(k for s in studies for k, v in (s.labels or {}).items() if v == 1)
    return {k: min(max_factor, max(1, max_per_finding // n)) for k, n in counts.items()}


def oversample(studies: Sequence[Study], max_factor: int = MAX_FACTOR,
               max_per_finding: int = MAX_PER_FINDING) -> tuple[list[int], dict[str, tuple[int, int]]]:
    """(indices with repeats, {finding: (positives before, positives after)})."""
    factors = finding_factors(studies, max_factor, max_per_finding)
    indices: list[int] = []
    before: Counter = Counter()
    after: Counter = Counter()
    for i, s in enumerate(studies):
        positives = [k for k, v in (s.labels or {}).items() if v == 1]
        repeat = max((factors[k] for k in positives), default=1)
        indices += [i] * repeat
        for k in positives:
            before[k] += 1
            after[k] += repeat
    return indices, {k: (before[k], after[k]) for k in sorted(before)}

"""Process settings every service applies at start."""

from __future__ import annotations

import gc

# The cyclic garbage collector's youngest generation is collected every 700 allocations by
# default; a consumer that builds thousands of events per batch and keeps a large cache of
# aggregates spent its time walking them (60,000 declarations on the validator's path: 8 %
# faster with these thresholds, docs/performance.md). Cycles are still collected, less often.
GC_THRESHOLDS = (100_000, 50, 1000)


def tune() -> None:
    gc.freeze()  # what was loaded at start (modules, settings) is never collected
    gc.set_threshold(*GC_THRESHOLDS)

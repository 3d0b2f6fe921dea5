"""Pausing Python's cyclic garbage collector around bulk work (database builds, batch matching)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause automatic (cyclic) garbage collection for the duration of a batch.

    Building a database and matching an inventory allocate many small container objects (rows,
    candidates, results, findings) and create no reference cycles, so reference counting frees
    all of it; but every allocation counts towards the collector's thresholds, and the collections
    they trigger traverse every tracked object in the process (in a scan: the inventory, the
    caches, every imported module). Measured on the benchmarks, that was a tenth of an import and
    a third of matching a realistic inventory. The previous state is restored on exit, so a
    caller that disabled collection keeps it disabled; objects that are still alive then are
    examined by the next regular collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

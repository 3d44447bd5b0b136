"""Python's cycle collector paused while a large log is built or written.

A 784-30-10 step creates ~500,000 objects that all stay alive, and every collection
rescans them: with the collector on, tracing takes twice as long and its cost per entry
grows with the size of the log; writing that log as JSON (another ~100,000 short-lived
objects) then triggers collections of the young generation that still holds all of
them. A log holds no reference cycles, so nothing is left behind; reference counting
frees whatever is dropped, as always.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off inside, back as it was afterwards (nested pauses are free)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

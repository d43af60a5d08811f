"""Garbage-collector settings for a long-running search process.

A search process holds millions of long-lived objects (parsed stored products, offer
rankings, analyzer caches, SQLAlchemy metadata). CPython's generational collector walks all
of them on every full collection, and with the default thresholds (700, 10, 10) a full
collection comes every ~70,000 net allocations: a query allocates thousands of objects, so
full collections land inside requests as 0.5-1.5 s pauses once the heap is large.

``tune_gc`` moves everything alive after start-up into the permanent generation
(``gc.freeze``), so collections no longer traverse it, and raises the thresholds so young
collections are rarer and cheaper relative to the work done. ``bench.search`` measures the
effect (it alternates default and tuned settings in one run).
"""

from __future__ import annotations

import gc

DEFAULT_THRESHOLDS = (700, 10, 10)
TUNED_THRESHOLDS = (50_000, 20, 100)


def tune_gc(thresholds: tuple[int, int, int] = TUNED_THRESHOLDS) -> None:
    """Collect once, freeze the surviving heap, then raise the collection thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)


def reset_gc() -> None:
    """Undo :func:`tune_gc` (frozen objects become collectable again; default thresholds)."""
    gc.unfreeze()
    gc.set_threshold(*DEFAULT_THRESHOLDS)

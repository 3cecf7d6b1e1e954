"""Keeps the garbage collector's full passes short in a long-running process."""

from __future__ import annotations

import gc


def settle_after_startup() -> None:
    """Moves what start-up made (modules, classes, pydantic's compiled validators, which are
    slow to traverse) out of the collector's reach: a full collection then takes milliseconds,
    not the few hundred it would otherwise hold the event loop for whatever request triggers it."""
    gc.collect()
    gc.freeze()

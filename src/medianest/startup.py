"""The `medianest` command's entry point, and what keeps its start-up cheap.

Importing MediaNest creates a few hundred thousand objects that live as long as the process.
With the cyclic garbage collector on, it walks them again and again while they are being made,
which cost about a second on every start and command; off while importing, then the objects are
frozen out of later collections (which makes those shorter too).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def importing() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def main() -> None:
    with importing():
        from medianest.cli import main as run_command
    run_command()

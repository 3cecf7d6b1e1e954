"""Small helpers for timing loops and printing medians, p95 and ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable


async def sample(
    call: Callable[[], Awaitable[object]], *, runs: int, warmup: int = 20
) -> list[float]:
    """Latencies in milliseconds of ``runs`` sequential calls, after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        await call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def row(label: str, values: list[float], baseline: list[float] | None = None) -> str:
    median = statistics.median(values)
    ratio = f"  x{median / statistics.median(baseline):.2f} of baseline" if baseline else ""
    return f"{label:<44} median {median:7.3f} ms   p95 {p95(values):7.3f} ms{ratio}"

"""Repeat-and-median timing helpers."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(run: Callable[[], object], *, repeats: int) -> float:
    """Median wall time of `repeats` calls of `run`."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def report(name: str, seconds: float, baseline: float, unit: str) -> str:
    return f"{name:<48} median {seconds * 1e3:9.3f} ms/{unit}   {seconds / baseline:6.2f}x baseline"

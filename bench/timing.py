"""Repeat-and-median timing helpers, percentiles, rates and peak memory."""

from __future__ import annotations

import gc
import math
import resource
import statistics
import time
from collections.abc import Callable, Sequence


def median_seconds(run: Callable[[], object], *, repeats: int) -> float:
    """Median wall time of `repeats` calls of `run`."""
    return statistics.median(samples_seconds(run, repeats=repeats))


def samples_seconds(run: Callable[[], object], *, repeats: int) -> list[float]:
    """Wall time of each of `repeats` calls of `run`.

    What the bench process holds already (the plans and logs of the benches before it, under `bench all`) is
    collected once and frozen first, so a full collection of the bench's own old heap is not timed as a call's
    latency; the objects the calls make are collected as usual."""
    samples = []
    gc.collect()
    gc.freeze()
    try:
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            samples.append(time.perf_counter() - started)
    finally:
        gc.unfreeze()
    return samples


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction 0.5 = median, 0.99 = p99) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def report(name: str, seconds: float, baseline: float, unit: str) -> str:
    return f"{name:<48} median {seconds * 1e3:9.3f} ms/{unit}   {seconds / baseline:6.2f}x baseline"


def rate_line(name: str, per_second: float, unit: str, baseline: float | None = None, target: str = "") -> str:
    """`name  12,345 unit/s  0.42x baseline  target ...` (a rate: higher is better)."""
    line = f"{name:<58} {per_second:12,.0f} {unit}/s"
    if baseline:
        line += f"   {per_second / baseline:6.2f}x baseline"
    return line + (f"   {target}" if target else "")


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (VmHWM), in MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> float:
    """The largest peak RSS of this process's finished children (e.g. a process pool's workers), in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

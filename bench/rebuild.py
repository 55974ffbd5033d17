"""Projection rebuild (`rebuild all`: shadow tables, then swap) against reading and decoding the same rows.

The log is a county plan's events made by the real commands (bench.eventlog), COPYed into a fresh
PostgreSQL schema. Baseline: the same notifications (the projections' topics) read in pages of
1,000 and decoded with the ledger's mapper, doing nothing else.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from typing import Any

from bench import baselines
from bench.eventlog import county_log
from bench.pgschema import fresh_schema
from bench.recalculation import load_log
from bench.timing import rate_line
from bench.workload import county_plan
from projections import catalog
from projections.rebuild import rebuild
from projections.store import open_store
from service.ledger import BenefitLedger
from service.settings import Settings, store_config


def run(
    base_url: str, *, scale: float, batch_size: int, profile: str | None = None, workers: Sequence[int] = (1, 2)
) -> list[str]:
    plan = county_plan(scale)
    log = county_log(plan)
    with fresh_schema(base_url, "rebuild") as url:
        loaded = load_log(url, log, 1)
        config = store_config(url)
        ledger = BenefitLedger.from_settings(Settings(database_url=config.url))
        topics = sorted(set().union(*(p.topics for p in catalog.select(None))))
        cpu = time.process_time()
        decoded, decode_seconds = baselines.read_and_decode(ledger, topics=topics, page=batch_size)
        decode_cpu = time.process_time() - cpu
        store = open_store(config)
        profiler = _profiler() if profile else None
        results, cpus = {}, {}
        for n in workers:
            cpu = time.process_time()
            results[n] = rebuild(
                ledger, store, "all", batch_size=batch_size, progress=False, stream=io.StringIO(), workers=n
            )
            cpus[n] = time.process_time() - cpu
        if profiler is not None and profile:
            profiler.stop()
            with open(profile, "w", encoding="utf-8") as out:
                out.write(profiler.output_text(unicode=True, color=False))
                out.write("\n# flat, by time spent in each function itself\n")
                out.write(profiler.output_text(unicode=True, color=False, flat=True))
        store.close()
        ledger.close()
    floor = decoded / decode_seconds
    lines = [
        f"[rebuild] log: {loaded['events']:,} events ({plan.prefix}), {decoded:,} on the projections' topics",
        f"[rebuild] {rate_line('baseline: read + decode the same rows, no processing', floor, 'events')}",
    ]
    for n, result in results.items():
        rate = result["events"] / result["seconds"]
        label = f"rebuild all (shadow tables, COPY + swap), {n} process{'es' if n > 1 else ''}"
        lines.append(f"[rebuild] {rate_line(label, rate, 'events', floor, 'target >= 0.7x')}")
        if n == 1:  # CPU seconds of this process: steadier than wall time on a shared machine
            lines.append(
                f"[rebuild] CPU of this process: read + decode {decode_cpu:.2f} s, rebuild {cpus[n]:.2f} s "
                f"({decode_cpu / cpus[n]:.2f}x)"
            )
    return lines


def _profiler() -> Any:
    from pyinstrument import Profiler

    profiler = Profiler()
    profiler.start()
    return profiler

"""Retroactive recalculation at county and province scale, with peak memory per size.

A county-year is the seeded Langxi-sized plan for January-December (scale 1.0: about 485,000 events,
4,350 patient-years) made by the real commands (bench.eventlog). A province-year of N counties is N
renamed copies of it in one store (all under the region's one policy register). For each size: COPY
the log into a fresh schema, publish a retroactive version (NCMS ratios +3 points from 1 January),
run `recalculate_for_policy` in a fresh process; report seconds, patient-years, compensation owed and
that process's peak RSS. Linear time and flat memory show as constant s/100k events and flat MiB.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bench.eventlog import county_log
from bench.pgschema import fresh_schema
from bench.recalculation import compute_floor, load_log, recalculate
from bench.workload import county_plan


def run(base_url: str, *, scale: float, copies: Sequence[int], profile: str | None = None) -> Iterator[str]:
    """One line per size, as each finishes (a 3-million-event size takes many minutes)."""
    plan = county_plan(scale)
    log = county_log(plan)
    yield f"[recalc] county log {plan.prefix}: {len(log.events):,} events, {plan.counts()['visits']:,} visits"
    years, floor = compute_floor(log)
    yield (
        f"[recalc] baseline: the county's {years:,} patient-years decoded, folded and re-settled in memory "
        f"(no I/O): {floor:.1f} s"
    )
    for n in copies:
        with fresh_schema(base_url, f"recalc{n}") as url:
            loaded = load_log(url, log, n)
            result = recalculate(url, profile=profile if n == copies[0] else None)
        events, seconds = loaded["events"], result["seconds"]
        label = "county-year" if n == 1 else f"{n} counties"
        target = f"   {seconds / floor:.0f}x baseline   target < 5 s" if n == 1 else ""
        if profile and n == copies[0]:
            target += "   (PROFILED: time and RSS include pyinstrument)"
        yield (
            f"[recalc] {label:<12} {events:>11,} events  {result['examined']:>7,} patient-years "
            f"({result['changed']:,} changed)  {seconds:9.1f} s  {seconds / events * 1e5:6.2f} s/100k events  "
            f"{result['examined'] / seconds:7.0f} patient-years/s  peak RSS {result['peak_rss_mb']:7.1f} MiB "
            f"(each of {result['workers']} workers: {result['worker_peak_rss_mb']:.1f} MiB)  "
            f"owed {result['compensation_owed']}  (COPY load {loaded['load_seconds']:.0f} s){target}"
        )

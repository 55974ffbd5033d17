"""Retroactive recalculation of a county-year (or a province-year) under a newly published policy version.

The log is a county plan's events made by the real command path (bench.eventlog), COPYed into a fresh
PostgreSQL schema, `copies` times under renamed refs for a province. Then `recalculate_for_policy`
runs in a fresh subprocess (`python -m bench.recalculation URL VERSION`), so its peak RSS (VmHWM) is
the recalculation's alone, not the loader's.
"""

from __future__ import annotations

import copy as copying
import json
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import StoredEvent

from bench.eventlog import CountyLog, Renamer, analyze, chained, copy_chain, copy_rows, memory_ledger
from bench.timing import children_peak_rss_mb, peak_rss_mb
from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.policy.loader import PolicyDocument, load_default_policy
from domain.policy.parameters import PolicyParameters
from domain.rules.recalculation import recalculate_year
from service.chained_persistence.chain import ChainHasher
from service.commands import PublishPolicyVersion, RecalculateForPolicy
from service.fast_transcoder import FastJSONTranscoder
from service.ledger import BenefitLedger
from service.region_recalculation import workers_for
from service.settings import Settings, store_config

NEW_VERSION = "bench-2018.2"
RATIO_UPLIFT = Decimal("0.03")


def new_policy_version() -> PolicyDocument:
    """The default Langxi version with every NCMS ratio 3 points higher, retroactive to 1 January 2018."""
    base = load_default_policy()
    parameters = copying.deepcopy(base.parameters)
    for tier in parameters["ncms"]["tiers"].values():
        tier["ratio"] = str(min(Decimal(1), Decimal(tier["ratio"]) + RATIO_UPLIFT))
    chronic = parameters["ncms"]["outpatient_chronic"]
    chronic["ratio"] = str(min(Decimal(1), Decimal(chronic["ratio"]) + RATIO_UPLIFT))
    return replace(
        base,
        version=NEW_VERSION,
        effective_from=date(2018, 1, 1),
        published_at=datetime.now(UTC),
        title="bench: NCMS ratios +3 points",
        parameters=parameters,
    )


def compute_floor(log: CountyLog) -> tuple[int, float]:
    """(patient-years, seconds) to decode, fold and re-settle every patient-year of `log` in memory.

    The same domain work as the recalculation (BenefitYearHistory.fold + recalculate_year under the
    new version) with no database, no saves and no command records: the CPU floor of the figure. Events
    are decoded as the recalculation's workers decode them (service.fast_transcoder).
    """
    mapper = memory_ledger().mapper
    mapper.transcoder = FastJSONTranscoder.like(mapper.transcoder)
    params = PolicyParameters.from_mapping(new_policy_version().parameters)
    started = time.perf_counter()
    streams: dict[Any, list[StoredEvent]] = defaultdict(list)
    for originator_id, version, topic, state in log.events:
        if topic.startswith("ledger:BenefitYear."):
            streams[originator_id].append(StoredEvent(originator_id, version, topic, state))
    for stored in streams.values():
        history = BenefitYearHistory.fold(mapper.to_domain_event(event) for event in stored)
        recalculate_year(history.settlements, [(params, NEW_VERSION)] * len(history.settlements))
    return len(streams), time.perf_counter() - started


def load_log(url: str, log: CountyLog, copies: int) -> dict[str, Any]:
    """Create the ledger's tables in the schema of `url`, then COPY `copies` renamed copies of `log` in,
    each event with its hash-chain row (as the real store has them), then ANALYZE the tables.

    A store filled by inserts has its statistics kept by autovacuum; a freshly COPYed one has none until
    autovacuum gets round to it, and without them PostgreSQL plans a page's `originator_id = ANY(...)` read
    as a (parallel) sequential scan of the whole table: at 10 million events each page then took seconds
    per query, which is what looked like a stalled recalculation."""
    config = store_config(url)
    ledger = BenefitLedger.from_settings(Settings(database_url=config.url))
    hasher = ChainHasher.from_env(ledger.env)
    started = time.perf_counter()
    chain: list[tuple[Any, int, bytes]] = []
    events = copy_rows(config, "ledger_events", chained(log.events, hasher, chain))
    snapshots = copy_rows(config, "ledger_snapshots", log.snapshots)
    copy_chain(config, chain)
    for k in range(1, copies):
        renamer = Renamer(ledger, log, k)
        chain = []
        events += copy_rows(config, "ledger_events", chained(renamer.rows(log.events), hasher, chain))
        snapshots += copy_rows(config, "ledger_snapshots", renamer.rows(log.snapshots))
        copy_chain(config, chain)
    analyze(config)
    ledger.close()
    return {"events": events, "snapshots": snapshots, "load_seconds": time.perf_counter() - started}


def recalculate(url: str, *, profile: str | None = None) -> dict[str, Any]:
    """Publish the new version and recalculate every patient-year it affects; in a fresh process."""
    command = [sys.executable, "-m", "bench.recalculation", url] + (["--profile", profile] if profile else [])
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _run_here(url: str, profile: str | None) -> dict[str, Any]:
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    ledger.handle(PublishPolicyVersion.of(new_policy_version(), command_id="bench-publish"))
    rss_before = peak_rss_mb()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    started = time.perf_counter()
    result = ledger.handle(RecalculateForPolicy(command_id="bench-recalculate", region="341821", version=NEW_VERSION))
    seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
        with open(profile, "w", encoding="utf-8") as out:
            out.write(profiler.output_text(unicode=True, color=False, show_all=False))
    owed = Decimal(str(result["compensation_owed"]))  # the total over every changed patient-year
    ledger.close()  # (workers_for reads only the environment)
    return {
        "seconds": seconds,
        "examined": result["examined"],
        "changed": result["changed_count"],
        "compensation_owed": str(owed),
        "peak_rss_mb_before": round(rss_before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "worker_peak_rss_mb": round(children_peak_rss_mb(), 1),
        "workers": workers_for(ledger),
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    profile_path = args[args.index("--profile") + 1] if "--profile" in args else None
    print(json.dumps(_run_here(args[0], profile_path)))

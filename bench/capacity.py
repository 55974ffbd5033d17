"""Per-node capacity for the scaling note (docs/deployment.md): hospital-window commands per second on one
PostgreSQL primary, by number of writer processes.

  python -m bench.capacity [--postgres-url URL] [--writers 1 2 4] [--visits 240] [--repeats 3]

Workload: the seeded county plan's visits (src/generator via bench.workload): register admission,
charge lines, discharge, settle. The visits' patients are registered beforehand (not timed). W
writer processes each run their own ledger, as W API processes would, with patients dealt
round-robin so that a patient's visits stay in order on one writer. Every repeat gets a fresh
schema. Prints, per W, the median over the repeats of commands/s, settlements/s and the settle
command's p50/p99 latency, then the server's durability settings (the figures depend on them).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from multiprocessing.synchronize import Barrier, Lock
from typing import Any

import psycopg

from bench.pgschema import fresh_schema, server_url
from bench.timing import percentile, rate_line
from bench.workload import Command, county_plan, patient_commands, register_hospitals, visit_commands
from domain.policy.loader import load_default_policy
from service.commands import PublishPolicyVersion
from service.ledger import BenefitLedger
from service.settings import Settings, store_config

SCALE = 0.05  # a county-year plan big enough to draw a few hundred visits from


def _prepare(url: str, visits: int, writers: int) -> list[list[Command]]:
    """Register the patients of the first `visits` visits; return each writer's visit commands, in order."""
    plan = county_plan(SCALE)
    by_patient: dict[str, list[Any]] = {}
    for visit in sorted(plan.visits, key=lambda v: (v.discharged_on, v.ref)):
        if sum(len(v) for v in by_patient.values()) >= visits:
            break
        by_patient.setdefault(visit.patient_ref, []).append(visit)
    patients = {p.ref: p for p in plan.patients}
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    try:
        ledger.handle(PublishPolicyVersion.of(load_default_policy(), command_id="capacity-policy"))
        register_hospitals(ledger)
        for ref in by_patient:
            for command in patient_commands(plan, patients[ref]):
                command.call(ledger)
    finally:
        ledger.close()
    shares: list[list[Command]] = [[] for _ in range(writers)]
    for n, patient_visits in enumerate(by_patient.values()):
        for visit in patient_visits:
            shares[n % writers] += visit_commands(visit)
    return shares


def _writer(url: str, commands: list[Command], construct: Lock, start: Barrier, results: Any) -> None:
    with construct:  # one at a time: concurrent table creation races in PostgreSQL's catalog
        ledger = BenefitLedger.from_settings(Settings(database_url=url))
    start.wait()
    started = time.perf_counter()
    settle_seconds = []
    for command in commands:
        before = time.perf_counter()
        command.call(ledger)
        if command.name == "settle_admission":
            settle_seconds.append(time.perf_counter() - before)
    results.put((len(commands), len(settle_seconds), time.perf_counter() - started, settle_seconds))
    ledger.close()


def run_once(base_url: str, writers: int, visits: int) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    with fresh_schema(base_url, f"capacity{writers}") as url:
        shares = _prepare(url, visits, writers)
        construct, start, results = context.Lock(), context.Barrier(writers + 1), context.Queue()
        processes = [context.Process(target=_writer, args=(url, share, construct, start, results)) for share in shares]
        for process in processes:
            process.start()
        start.wait()
        started = time.perf_counter()
        done = [results.get(timeout=600) for _ in processes]
        wall = time.perf_counter() - started
        for process in processes:
            process.join(timeout=60)
    settles = [s for _, _, _, seconds in done for s in seconds]
    return {
        "commands_per_s": sum(d[0] for d in done) / wall,
        "settlements_per_s": sum(d[1] for d in done) / wall,
        "settle_p50_ms": percentile(settles, 0.5) * 1e3,
        "settle_p99_ms": percentile(settles, 0.99) * 1e3,
        "commands": sum(d[0] for d in done),
    }


def server_settings(base_url: str) -> str:
    config = store_config(base_url)
    with psycopg.connect(config.conninfo(), autocommit=True) as conn:
        values = [
            str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
            for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers")
        ]
    return "PostgreSQL {} (fsync={}, synchronous_commit={}, shared_buffers={})".format(*values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--visits", type=int, default=240)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    base = server_url(args.postgres_url)
    print(f"{args.visits} visits per run, median of {args.repeats} runs, {multiprocessing.cpu_count()} CPUs")
    baseline = None
    for writers in args.writers:
        runs = [run_once(base, writers, args.visits) for _ in range(args.repeats)]
        cps = statistics.median(r["commands_per_s"] for r in runs)
        baseline = baseline or cps
        label = f"[postgres] {writers} writer process{'es' if writers > 1 else ''}"
        print(rate_line(f"{label}: hospital-window commands", cps, "cmd", baseline))
        print(rate_line(f"{label}: settlements", statistics.median(r["settlements_per_s"] for r in runs), "settle"))
        print(
            f"{label}: settle latency p50 {statistics.median(r['settle_p50_ms'] for r in runs):.1f} ms, "
            f"p99 {statistics.median(r['settle_p99_ms'] for r in runs):.1f} ms "
            f"({int(runs[0]['commands'])} commands per run)"
        )
    print(server_settings(base))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

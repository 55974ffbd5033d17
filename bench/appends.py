"""Append throughput over real HTTP on durable PostgreSQL, against raw and bare-library baselines.

Workload: the seeded county plan's hospital-window commands (register admission, charge lines,
discharge, settle), patients registered beforehand. Single commands: 16 client threads, each
patient's visits on one client in settlement order (bench.workload.deal_by_patient: two clients never
race on one patient-year, so every settlement is valid), one `POST` per command. Bulk:
`POST /batch` of whole visits of one hospital, up to --batch-size commands each, and `run_batch`
in-process (no HTTP) (bench.bulk). Every configuration gets a fresh schema with the same registry.
"""

from __future__ import annotations

import http.client
import importlib.util
import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from psycopg import sql

from bench import baselines, profiling
from bench.bulk import bulk_http, bulk_in_process, hospital_batches
from bench.pgschema import connect, fresh_schema
from bench.server import Server, api_server
from bench.timing import percentile, rate_line
from bench.workload import (
    Command,
    county_plan,
    deal_by_patient,
    hospital_codes,
    patient_commands,
    register_hospitals,
    visit_commands,
)
from domain.policy.loader import load_default_policy
from service.batch import run_batch
from service.commands import PublishPolicyVersion
from service.ledger import BenefitLedger
from service.settings import Settings, StoreConfig, store_config


def _event_count(config: StoreConfig) -> int:
    with connect(config) as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM ledger_events")).fetchone()
    return int(row[0]) if row else 0


def prepare(url: str, plan: Any, visits: Sequence[Any]) -> StoreConfig:
    """Tables, the default policy and the registry of every patient the visits need (not timed)."""
    config = store_config(url)
    ledger = BenefitLedger.from_settings(Settings(database_url=config.url))
    document = load_default_policy()
    ledger.handle(PublishPolicyVersion.of(document, command_id=f"default-policy:{document.region}:{document.version}"))
    register_hospitals(ledger)
    wanted = {visit.patient_ref for visit in visits}
    registry = [c for p in plan.patients if p.ref in wanted for c in patient_commands(plan, p)]
    for start in range(0, len(registry), 500):
        run_batch(ledger, [c.command() for c in registry[start : start + 500]])
    ledger.close()
    return config


def single_commands(server: Server, visits: Sequence[Any], clients: int, profile: Path | None = None) -> dict[str, Any]:
    """Every visit command as its own POST from `clients` threads; rate and per-request latency.

    With `profile`, py-spy samples the server (and its workers) for the first ~8 s of the run.
    """
    base, tokens = server.base, server.tokens
    lanes: list[list[tuple[str, Command]]] = [
        [(tokens.hospitals[visit.hospital.code], c) for visit in lane for c in visit_commands(visit)]
        for lane in deal_by_patient(visits, clients)
    ]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: queue.Queue[str] = queue.Queue()
    start_line = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        http = _Connection(base)
        requests = [(command, *command.http(), token) for token, command in lanes[i]]
        start_line.wait()
        try:
            for command, path, body, token in requests:
                began = time.perf_counter()
                status, text = http.post(path, body, token)
                latencies[i].append(time.perf_counter() - began)
                if status not in (200, 201):
                    errors.put(f"{command.name} {status}: {text[:200]}")
        finally:
            http.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    spy = profiling.record(server.pid, 8, profile) if profile else None
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if spy is not None:
        spy.wait()
    flat = [x for lane in latencies for x in lane]
    return {
        "commands": len(flat),
        "seconds": seconds,
        "p50": percentile(flat, 0.5),
        "p99": percentile(flat, 0.99),
        "errors": errors.qsize(),
        "first_error": None if errors.empty() else errors.get(),
    }


class _Connection:
    """One client's keep-alive HTTP/1.1 connection (http.client: a few times less client CPU per request than
    httpx, which matters when the clients share the server's two cores; the requests on the wire are the same)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)

    def post(self, path: str, body: dict[str, Any], token: str) -> tuple[int, str]:
        payload = orjson.dumps(body)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.connection.request("POST", path, body=payload, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, "" if response.status in (200, 201) else data.decode(errors="replace")

    def close(self) -> None:
        self.connection.close()


def group_commit_available() -> bool:
    return importlib.util.find_spec("service.group_commit") is not None


def run(
    base_url: str,
    *,
    scale: float,
    visits: int,
    clients: int,
    batch_size: int,
    bulk_clients: int,
    workers: Sequence[int],
    baseline_seconds: float,
    profile_dir: Path | None = None,
) -> list[str]:
    plan = county_plan(scale)
    chosen = plan.visits[:visits]
    codes = hospital_codes(plan)
    lines, rows = [], []
    modes = [False, True] if group_commit_available() else [False]
    singles: list[tuple[str, dict[str, Any], int, float]] = []

    def adjacent_bare() -> float:
        """The bare library's saves/s (16 threads) just before or after one configuration (the machine is shared)."""
        with fresh_schema(base_url, "adjacent") as url:
            return baselines.bare_application_saves(store_config(url), threads=clients, seconds=baseline_seconds)

    for worker_count in workers:
        for group in modes:
            before_rate = adjacent_bare()
            with fresh_schema(base_url, "appends") as url:
                config = prepare(url, plan, chosen)
                before = _event_count(config)
                name = f"{worker_count}w-group-{'on' if group else 'off'}"
                raw = profile_dir / f"appends-{name}.raw" if profile_dir else None
                with api_server(url, codes, workers=worker_count, group_commit=group) as server:
                    result = single_commands(server, chosen, clients, raw)
                events = _event_count(config) - before
                label = (
                    f"HTTP single commands, {clients} clients, {worker_count} worker(s), group commit "
                    f"{'on' if group else 'off'}"
                )
                singles.append((label, result, events, (before_rate + adjacent_bare()) / 2))
                if raw is not None:
                    raw.with_suffix(".txt").write_text("\n".join(profiling.summary(raw)) + "\n", encoding="utf-8")
    bulk: list[tuple[str, dict[str, Any], int]] = []
    batches = hospital_batches(chosen, batch_size)
    with fresh_schema(base_url, "bulk") as url:
        config = prepare(url, plan, chosen)
        before = _event_count(config)
        with api_server(url, codes, workers=1) as server:
            result = bulk_http(server, batches, bulk_clients)
        bulk.append(
            (
                f"HTTP POST /batch (<= {batch_size} commands), {bulk_clients} clients",
                result,
                _event_count(config) - before,
            )
        )
        rows = baselines.stored_rows(config)[before:]
    with fresh_schema(base_url, "bulkproc") as url:
        config = prepare(url, plan, chosen)
        before = _event_count(config)
        result = bulk_in_process(url, batches, profile_dir / "appends-run-batch.txt" if profile_dir else None)
        bulk.append(
            (f"run_batch in-process (<= {batch_size} commands), 1 thread", result, _event_count(config) - before)
        )
    with fresh_schema(base_url, "baseline") as url:
        config = store_config(url)
        bare = {n: baselines.bare_application_saves(config, threads=n, seconds=baseline_seconds) for n in (1, clients)}
        raw_one = baselines.raw_inserts(config, rows, threads=1)
        raw_many = baselines.raw_inserts(config, rows, threads=clients)
        copy = baselines.raw_copy(config, rows)
    bare_best = max(bare.values())
    for n, rate in bare.items():
        lines.append(rate_line(f"baseline: bare Application, 1 event/tx, {n} thread(s)", rate, "saves"))
    lines.append(rate_line("baseline: raw INSERT, 1 row/tx, 1 connection", raw_one, "rows"))
    lines.append(rate_line(f"baseline: raw INSERT, 1 row/tx, {clients} connections", raw_many, "rows"))
    lines.append(rate_line(f"baseline: raw COPY of the same {len(rows):,} rows", copy, "rows"))
    for name, result, events, adjacent in singles:
        rate = result["commands"] / result["seconds"]
        lines.append(
            rate_line(name, rate, "commands", bare_best, "target >= 1x bare (aim 5x)")
            + f"   {events / result['seconds']:,.0f} events/s  p50 {result['p50'] * 1e3:.1f} ms  "
            f"p99 {result['p99'] * 1e3:.1f} ms  errors {result['errors']}"
        )
        lines.append(
            f"    beside it: bare Application, {clients} threads, just before and after: {adjacent:,.0f} saves/s "
            f"-> {rate / adjacent:.2f}x"
        )
        if result["first_error"]:
            lines.append(f"    first error: {result['first_error']}")
    for name, result, events in bulk:
        lines.append(
            rate_line(name, events / result["seconds"], "events", copy, "target >= 0.3x COPY (aim 0.5x)")
            + f"   {result['commands'] / result['seconds']:,.0f} commands/s  errors {result['errors']}"
        )
        if result["first_error"]:
            lines.append(f"    first error: {result['first_error']}")
    return [f"[appends] {line}" for line in lines]

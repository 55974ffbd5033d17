"""Bulk appends: whole visits of one hospital per batch, over `POST /batch` or `run_batch` in-process."""

from __future__ import annotations

import queue
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench import baselines
from bench.server import Server
from bench.workload import Command, visit_commands
from service.batch import run_batch
from service.ledger import BenefitLedger
from service.settings import Settings


def hospital_batches(visits: Sequence[Any], size: int) -> list[tuple[str, list[Command]]]:
    """Whole visits grouped by hospital, in plan order, up to `size` commands per batch."""
    open_batches: dict[str, list[Command]] = {}
    done: list[tuple[str, list[Command]]] = []
    for visit in visits:
        commands = visit_commands(visit)
        batch = open_batches.setdefault(visit.hospital.code, [])
        if batch and len(batch) + len(commands) > size:
            done.append((visit.hospital.code, batch))
            batch = open_batches[visit.hospital.code] = []
        batch += commands
    return done + [(code, batch) for code, batch in open_batches.items() if batch]


def bulk_http(server: Server, batches: Sequence[tuple[str, list[Command]]], clients: int) -> dict[str, Any]:
    base, tokens = server.base, server.tokens
    work: queue.Queue[tuple[str, list[Command]]] = queue.Queue()
    for item in batches:
        work.put(item)
    errors: list[str] = []

    def client(_: int) -> int:
        sent = 0
        with httpx.Client(base_url=base, timeout=300) as http:
            while True:
                try:
                    code, commands = work.get_nowait()
                except queue.Empty:
                    return sent
                response = http.post(
                    "/batch",
                    json={"commands": [c.batch_item() for c in commands]},
                    headers={"Authorization": f"Bearer {tokens.hospitals[code]}"},
                )
                if response.status_code not in (200, 201):
                    errors.append(f"batch {response.status_code}: {response.text[:300]}")
                else:
                    sent += len(commands)

    count, seconds = baselines.in_threads(clients, client)
    return {"commands": count, "seconds": seconds, "errors": len(errors), "first_error": errors[0] if errors else None}


def bulk_in_process(
    url: str, batches: Sequence[tuple[str, list[Command]]], profile: Path | None = None
) -> dict[str, Any]:
    """`run_batch` for each batch in this process, one after another (with `profile`: under pyinstrument)."""
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    profiler = None
    if profile is not None:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    began = time.perf_counter()
    count = 0
    for _, commands in batches:
        run_batch(ledger, [c.command() for c in commands])
        count += len(commands)
    seconds = time.perf_counter() - began
    if profiler is not None and profile is not None:
        profiler.stop()
        profile.write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
    ledger.close()
    return {"commands": count, "seconds": seconds, "errors": 0, "first_error": None}

"""Bulk appends: whole visits of one hospital per batch, over `POST /batch` or `run_batch` in-process."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from bench import baselines
from bench.server import Server
from bench.workload import Command, visit_commands
from service.batch import run_batch
from service.ledger import BenefitLedger
from service.settings import Settings


class HospitalBatch(NamedTuple):
    code: str  # the hospital whose client sends the batch
    commands: list[Command]
    patients: frozenset[str]  # whose visits it holds


def hospital_batches(visits: Sequence[Any], size: int) -> list[HospitalBatch]:
    """Whole visits grouped by hospital, in plan order, up to `size` commands per batch.

    A patient's settlements must arrive in settlement order (a settlement before the patient-year's previous
    one is refused), so when a visit's patient has an earlier visit in another hospital's open batch, that
    batch is closed first: run in the order returned, every patient's visits are in plan order."""
    open_batches: dict[str, list[Command]] = {}
    open_patients: dict[str, set[str]] = {}
    done: list[HospitalBatch] = []

    def close(code: str) -> None:
        done.append(HospitalBatch(code, open_batches.pop(code), frozenset(open_patients.pop(code, ()))))

    for visit in visits:
        code = visit.hospital.code
        for other in [c for c, patients in open_patients.items() if c != code and visit.patient_ref in patients]:
            close(other)
        commands = visit_commands(visit)
        if open_batches.get(code) and len(open_batches[code]) + len(commands) > size:
            close(code)
        open_batches.setdefault(code, []).extend(commands)
        open_patients.setdefault(code, set()).add(visit.patient_ref)
    for code in list(open_batches):
        close(code)
    return done


def bulk_http(server: Server, batches: Sequence[HospitalBatch], clients: int) -> dict[str, Any]:
    """The batches from `clients` threads, taken in order; a batch waits until every earlier batch holding one of
    its patients has been answered (two hospitals' batches of one patient-year arrive in settlement order)."""
    base, tokens = server.base, server.tokens
    work: queue.Queue[int] = queue.Queue()
    answered = [threading.Event() for _ in batches]
    last_of: dict[str, int] = {}
    waits_for: list[set[int]] = []
    for index, batch in enumerate(batches):
        waits_for.append({last_of[p] for p in batch.patients if p in last_of})
        last_of.update(dict.fromkeys(batch.patients, index))
        work.put(index)
    errors: list[str] = []

    def client(_: int) -> int:
        sent = 0
        with httpx.Client(base_url=base, timeout=300) as http:
            while True:
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return sent
                for earlier in waits_for[index]:
                    answered[earlier].wait()
                code, commands = batches[index].code, batches[index].commands
                try:
                    response = http.post(
                        "/batch",
                        json={"commands": [c.batch_item() for c in commands]},
                        headers={"Authorization": f"Bearer {tokens.hospitals[code]}"},
                    )
                finally:
                    answered[index].set()
                if response.status_code not in (200, 201):
                    errors.append(f"batch {response.status_code}: {response.text[:300]}")
                else:
                    sent += len(commands)

    count, seconds = baselines.in_threads(clients, client)
    return {"commands": count, "seconds": seconds, "errors": len(errors), "first_error": errors[0] if errors else None}


def bulk_in_process(url: str, batches: Sequence[HospitalBatch], profile: Path | None = None) -> dict[str, Any]:
    """`run_batch` for each batch in this process, one after another (with `profile`: under pyinstrument)."""
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    profiler = None
    if profile is not None:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    began = time.perf_counter()
    count = 0
    for _, commands, _ in batches:
        run_batch(ledger, [c.command() for c in commands])
        count += len(commands)
    seconds = time.perf_counter() - began
    if profiler is not None and profile is not None:
        profiler.stop()
        profile.write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
    ledger.close()
    return {"commands": count, "seconds": seconds, "errors": 0, "first_error": None}

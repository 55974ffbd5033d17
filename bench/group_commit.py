"""Group commit in-process: 16 threads appending charge lines, with and without group commit, against a
bare eventsourcing Application saving one new one-event aggregate per transaction (same threads, same run).

No HTTP: this isolates what the service layer and the store cost per command, so the figure can be set
against `appends` (the same commands over HTTP) to see what the web layer adds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from bench import pgschema
from domain.policy.loader import load_default_policy
from service.commands import EnrolPatient, PublishPolicyVersion, RegisterAdmission, RegisterPatient
from service.group_commit import GroupCommitter
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital
from service.settings import Settings, ensure_schema, store_config

HOSPITAL = {
    "code": "LX-001",
    "name": "郎溪县人民医院",
    "tier": "county",
    "county_code": "341821",
    "in_county": True,
    "in_province": True,
    "designated": True,
}


def _threads(count: int, work: Callable[[int], None]) -> float:
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def _bare(url: str, threads: int, per_thread: int) -> float:
    config = store_config(url)
    ensure_schema(config)
    app = Application(env=config.env)

    def work(_: int) -> None:
        for _ in range(per_thread):
            app.save(Aggregate())

    seconds = _threads(threads, work)
    app.close()
    return threads * per_thread / seconds


def _ledger(url: str, threads: int, per_thread: int, grouped: bool) -> tuple[float, str]:
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    document = load_default_policy()
    ledger.handle(PublishPolicyVersion.of(document, command_id="policy"))
    for n in range(threads):
        ledger.handle(RegisterPatient(command_id=f"P{n}", patient_ref=f"P{n}", county_code="341821"))
        ledger.handle(EnrolPatient(command_id=f"E{n}", patient_ref=f"P{n}", year=2018))
        ledger.handle(
            RegisterAdmission(
                command_id=f"A{n}",
                admission_ref=f"A{n}",
                patient_ref=f"P{n}",
                kind="inpatient",
                hospital_code=ensure_hospital(ledger, HOSPITAL),
                admitted_on=date(2018, 3, 1),
            )
        )
    if grouped:
        ledger.group_committer = GroupCommitter(ledger)

    def work(n: int) -> None:
        for i in range(per_thread):
            ledger.handle(
                charge_line(
                    command_id=f"L{n}-{i}",
                    admission_ref=f"A{n}",
                    line_no=str(i),
                    category="drug",
                    amount=Decimal("10.00"),
                    compliant=True,
                )
            )

    seconds = _threads(threads, work)
    committer = ledger.group_committer
    detail = (
        f"{committer.commands / committer.groups:.1f} commands per transaction"
        if committer
        else "one transaction per command"
    )
    ledger.close()
    return threads * per_thread / seconds, detail


def run(base_url: str, *, threads: int = 16, per_thread: int = 40) -> Iterator[str]:
    with pgschema.fresh_schema(base_url, "gcbare") as url:
        bare = _bare(url, threads, per_thread)
    yield f"[group-commit] baseline: bare Application, 1 event/tx, {threads} threads      {bare:8,.0f} saves/s"
    for grouped in (False, True):
        with pgschema.fresh_schema(base_url, "gcledger") as url:
            rate, detail = _ledger(url, threads, per_thread, grouped)
        yield (
            f"[group-commit] post_charge_line, {threads} threads, group commit {'on ' if grouped else 'off'}   "
            f"{rate:8,.0f} commands/s   {rate / bare:5.2f}x baseline   target >= 1x (aim 5x)   ({detail})"
        )

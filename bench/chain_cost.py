"""Cost of the tamper-evidence hash chain per save: chained recorder vs the library's, same run, interleaved.

  python -m bench.chain_cost [--saves 400] [--postgres-url URL] [--sqlite-only]

Two saves are timed on each store: a new one-event aggregate (the README's baseline save), and one
event appended to an aggregate with history (the chain reads the previous link). Each pair of
stores (chained, plain) gets the same saves, alternating, so drift hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from bench import pgschema
from bench.settle import poor_bench_patient
from domain.aggregates.patient import Patient
from service.commands import Discharge, RegisterAdmission, SettleAdmission
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital
from service.settings import ensure_schema, store_config

HOSPITAL = {
    "code": "B-1",
    "name": "bench county hospital",
    "tier": "county",
    "county_code": "341821",
    "in_county": True,
    "in_province": True,
    "designated": True,
}
SETTLED_AT = datetime(2018, 7, 1, tzinfo=UTC)
PLAIN_MODULES = {"sqlite": "eventsourcing.sqlite", "postgres": "eventsourcing.postgres"}


def _patient(label: str) -> Patient:
    return Patient(patient_ref=f"BENCH-{label}-{uuid4().hex[:12]}", county_code="341821", township="bench")


def _prepare_settlements(ledger: BenefitLedger, count: int) -> list[str]:
    """A patient and `count` discharged admissions, ready to settle (a bench of its own year)."""
    poor_bench_patient(ledger)
    refs = [f"BC{n}" for n in range(count)]
    for n, ref in enumerate(refs):
        day = date(2018, 1 + n % 12, 1 + n % 28)
        ledger.handle(
            RegisterAdmission(
                command_id=f"{ref}:r",
                admission_ref=ref,
                patient_ref="BENCH",
                kind="inpatient",
                hospital_code=ensure_hospital(ledger, HOSPITAL),
                admitted_on=day,
            )
        )
        ledger.handle(
            charge_line(
                command_id=f"{ref}:l",
                admission_ref=ref,
                line_no="1",
                category="treatment",
                amount=Decimal("1234.56"),
                compliant=True,
            )
        )
        ledger.handle(Discharge(command_id=f"{ref}:d", admission_ref=ref, discharged_on=day))
    return refs


def _ledger(url: str, *, chained: bool) -> BenefitLedger:
    config = store_config(url)
    ensure_schema(config)
    env = dict(config.env)
    if not chained:
        env["PERSISTENCE_MODULE"] = PLAIN_MODULES[config.kind]
    return BenefitLedger(env=env)


def _interleaved(saves: int, on: Callable[[], object], off: Callable[[], object]) -> dict[str, float]:
    """Medians of wall time and of this process's CPU time per save, chained ("on") and plain ("off")."""
    wall: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for n in range(saves):
        for chained in (True, False) if n % 2 == 0 else (False, True):  # on/off, off/on, ...
            started, started_cpu = time.perf_counter(), time.process_time()
            (on if chained else off)()
            cpu[chained].append(time.process_time() - started_cpu)
            wall[chained].append(time.perf_counter() - started)
    return {
        "on": statistics.median(wall[True]),
        "off": statistics.median(wall[False]),
        "cpu_on": statistics.median(cpu[True]),
        "cpu_off": statistics.median(cpu[False]),
    }


def measure(label: str, url_on: str, url_off: str, saves: int) -> list[str]:
    apps = {True: _ledger(url_on, chained=True), False: _ledger(url_off, chained=False)}
    try:
        for app in apps.values():  # warm-up: connections, prepared statements, tables
            for _ in range(20):
                app.save(_patient("warm-up"))
        lines = []
        lines.append(
            _line(
                label,
                "save a new one-event aggregate",
                _interleaved(
                    saves, lambda: apps[True].save(_patient("new")), lambda: apps[False].save(_patient("new"))
                ),
            )
        )
        patients = {chained: _patient("long") for chained in apps}
        for chained, patient in patients.items():
            for day in range(1, 50):
                patient.sign_family_doctor_contract("D-1", date(2018, 1, 1 + day % 28))
            apps[chained].save(patient)

        def append(chained: bool) -> None:
            patients[chained].sign_family_doctor_contract("D-2", date(2018, 6, 1))
            apps[chained].save(patients[chained])

        lines.append(
            _line(
                label,
                "append one event to a 50-event aggregate",
                _interleaved(saves, lambda: append(True), lambda: append(False)),
            )
        )
        settlements = max(saves // 2, 1)
        pending = {chained: iter(_prepare_settlements(app, settlements)) for chained, app in apps.items()}

        def settle(chained: bool) -> None:
            ref = next(pending[chained])
            apps[chained].handle(SettleAdmission(command_id=f"{ref}:s", admission_ref=ref, settled_at=SETTLED_AT))

        lines.append(
            _line(
                label,
                "settle_admission (3 aggregates per save)",
                _interleaved(settlements, lambda: settle(True), lambda: settle(False)),
            )
        )
        return lines
    finally:
        for app in apps.values():
            app.close()


def _line(store: str, what: str, m: dict[str, float]) -> str:
    return (
        f"{store:<10} {what:<42} wall {m['on'] * 1e3:7.3f} vs {m['off'] * 1e3:7.3f} ms "
        f"(+{(m['on'] - m['off']) * 1e3:6.3f}, {(m['on'] / m['off'] - 1) * 100:+5.1f} %)   "
        f"client CPU {m['cpu_on'] * 1e3:6.3f} vs {m['cpu_off'] * 1e3:6.3f} ms "
        f"(+{(m['cpu_on'] - m['cpu_off']) * 1e3:6.3f})"
    )


def run(postgres_url: str | None, saves: int, *, sqlite_only: bool = False) -> list[str]:
    directory = tempfile.mkdtemp(prefix="bench-chain-")
    lines = measure("SQLite", f"sqlite:///{directory}/chained.db", f"sqlite:///{directory}/plain.db", saves)
    if not sqlite_only:
        base = pgschema.server_url(postgres_url)
        with pgschema.fresh_schema(base, "chain_on") as url_on, pgschema.fresh_schema(base, "chain_off") as url_off:
            lines += measure("PostgreSQL", url_on, url_off, saves)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=400)
    parser.add_argument("--postgres-url")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"median of {args.saves} saves each: chained vs plain recorder, interleaved")
    for line in run(args.postgres_url, args.saves, sqlite_only=args.sqlite_only):
        print(line)


if __name__ == "__main__":
    main()

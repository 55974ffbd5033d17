"""The settle bench (`python -m bench settle`, also what plain `python -m bench` runs).

1. settle: a full one-stop settlement command (reads patient, admission, year, policy; saves
   two aggregates and the command record) against the baseline of saving one new one-event
   aggregate on the same store.
2. replay: `repository.get()` of a 200-settlement benefit year with the ledger's fast projector
   against the library's default projector (the §1.2 trap in eventsourcing-notes).
3. cascade: the pure settlement cascade for one claim, against an empty Python function call
   loop (the floor) — reported as claims per second.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate

from bench.timing import median_seconds, report
from domain import ids
from domain.policy.loader import load_default_policy
from domain.policy.parameters import PolicyParameters
from domain.rules.cascade import settle_claim
from domain.rules.claim import ClaimFacts
from domain.rules.year_state import YearState
from domain.vocabulary import PovertyStatus, Tier, VisitKind
from service.commands import (
    Discharge,
    EnrolPatient,
    PublishPolicyVersion,
    RecordPovertyStatus,
    RegisterAdmission,
    RegisterPatient,
    SettleAdmission,
)
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital
from service.settings import Settings

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


class Probe(Aggregate):
    """Baseline aggregate: one creation event."""


def _prepare(ledger: BenefitLedger, ref: str, n: int) -> None:
    ledger.handle(
        RegisterAdmission(
            command_id=f"{ref}:r",
            admission_ref=ref,
            patient_ref="BENCH",
            kind="inpatient",
            hospital_code=ensure_hospital(ledger, HOSPITAL),
            admitted_on=date(2018, 1 + n % 12, 1 + n % 28),
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
    ledger.handle(Discharge(command_id=f"{ref}:d", admission_ref=ref, discharged_on=date(2018, 1 + n % 12, 1 + n % 28)))


def poor_bench_patient(ledger: BenefitLedger) -> None:
    """The default policy and one poor, enrolled patient BENCH whose 2018 the settle benches fill."""
    ledger.handle(PublishPolicyVersion.of(load_default_policy(), command_id="bench-policy"))
    ledger.handle(RegisterPatient(command_id="bench-p", patient_ref="BENCH", county_code="341821"))
    ledger.handle(EnrolPatient(command_id="bench-e", patient_ref="BENCH", year=2018))
    ledger.handle(
        RecordPovertyStatus(
            command_id="bench-s", patient_ref="BENCH", status="jiandanglika", effective_from=date(2016, 1, 1)
        )
    )


def bench_store(url: str, operations: int) -> list[str]:
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    poor_bench_patient(ledger)
    refs = [f"BA{n}" for n in range(operations)]
    for n, ref in enumerate(refs):
        _prepare(ledger, ref, n)
    baseline = median_seconds(lambda: ledger.save(Probe()), repeats=operations)
    pending = iter(refs)
    settle = median_seconds(
        lambda: ledger.handle(
            SettleAdmission(command_id=f"{(r := next(pending))}:s", admission_ref=r, settled_at=SETTLED_AT)
        ),
        repeats=operations,
    )
    account_id = ids.benefit_year_id("BENCH", 2018)
    fast = median_seconds(lambda: ledger.repository.get(account_id), repeats=20)
    slow = median_seconds(lambda: ledger.repository.get(account_id, projector_func=project_aggregate), repeats=20)
    ledger.close()
    store = url.split(":")[0]
    return [
        report(f"[{store}] baseline: save one-event aggregate", baseline, baseline, "op"),
        report(f"[{store}] settle_admission command", settle, baseline, "op"),
        report(f"[{store}] get {operations}-settlement year, default proj.", slow, slow, "get"),
        report(f"[{store}] get {operations}-settlement year, fast projector", fast, slow, "get"),
    ]


def bench_cascade(claims: int) -> list[str]:
    policy = PolicyParameters.from_mapping(load_default_policy().parameters)
    counter = itertools.count()

    def one() -> None:
        claim = ClaimFacts(
            str(next(counter)),
            VisitKind.INPATIENT,
            Tier.COUNTY,
            True,
            True,
            True,
            False,
            date(2018, 5, 1),
            Decimal("20000.00"),
            Decimal("19000.00"),
            PovertyStatus.JIANDANGLIKA,
            False,
            (),
        )
        settle_claim(claim, YearState(), policy, "v")

    floor = median_seconds(lambda: [None for _ in range(claims)], repeats=5) / claims
    per_claim = median_seconds(lambda: [one() for _ in range(claims)], repeats=5) / claims
    line = (
        f"{'cascade: settle one claim (pure)':<48} median {per_claim * 1e6:9.1f} us/claim "
        f"({1 / per_claim:,.0f} claims/s; {per_claim / floor:,.0f}x an empty loop step)"
    )
    return [line]

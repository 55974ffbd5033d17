"""Builders that drive the real service commands for application tests."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from tests.registry_entries import COUNTY_HOSPITAL as COUNTY_HOSPITAL
from tests.registry_entries import PROVINCE_HOSPITAL as PROVINCE_HOSPITAL
from tests.registry_entries import REGION as REGION

from domain.policy.loader import PolicyDocument, load_default_policy
from service.commands import (
    Command,
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

SETTLED_AT = datetime(2018, 7, 1, 10, 0, tzinfo=UTC)
WITHOUT_5090 = ["ncms", "cii", "ma", "b351", "reassist"]


def publish_default(ledger: BenefitLedger, document: PolicyDocument | None = None) -> PolicyDocument:
    document = document or load_default_policy()
    ledger.handle(PublishPolicyVersion.of(document, command_id=f"policy:{document.version}"))
    return document


def policy_variant(
    version: str, published_at: datetime, *, effective_from: date = date(2018, 1, 1), **overrides: Any
) -> PolicyDocument:
    """A copy of the default policy with dotted-path overrides, e.g. {"b351.cap_mode": "per_tier_additive"}."""
    base = load_default_policy()
    tree = copy.deepcopy(base.parameters)
    for dotted, value in overrides.items():
        node = tree
        *parents, leaf = dotted.replace("__", ".").split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return replace(base, version=version, published_at=published_at, effective_from=effective_from, parameters=tree)


def poor_patient(
    ledger: BenefitLedger, ref: str, *, status: str = "jiandanglika", year: int = 2018, county: str = REGION
) -> None:
    ledger.handle(RegisterPatient(command_id=f"{ref}:register", patient_ref=ref, county_code=county, township="毕桥镇"))
    ledger.handle(EnrolPatient(command_id=f"{ref}:enrol:{year}", patient_ref=ref, year=year))
    ledger.handle(
        RecordPovertyStatus(command_id=f"{ref}:status", patient_ref=ref, status=status, effective_from=date(2016, 1, 1))
    )


def admit_and_settle(
    ledger: BenefitLedger,
    patient_ref: str,
    admission_ref: str,
    hospital: dict,
    *,
    total: str,
    compliant: str,
    day: date,
    referred: bool = False,
    kind: str = "inpatient",
    settled_at: datetime | None = None,
) -> dict:
    """Admit, post the lines, discharge on `day` and settle; `settled_at` defaults to SETTLED_AT, or to
    10:00 UTC on the discharge day for a later one (a settlement is never dated before its admission)."""
    settled_at = settled_at or max(SETTLED_AT, datetime.combine(day, time(10), UTC))
    ledger.handle(
        RegisterAdmission(
            command_id=f"{admission_ref}:register",
            admission_ref=admission_ref,
            patient_ref=patient_ref,
            kind=kind,
            hospital_code=ensure_hospital(ledger, hospital),
            admitted_on=day,
            referred=referred,
        )
    )
    ledger.handle(
        charge_line(
            command_id=f"{admission_ref}:line:1",
            admission_ref=admission_ref,
            line_no="1",
            category="treatment",
            amount=Decimal(compliant),
            compliant=True,
        )
    )
    noncompliant = Decimal(total) - Decimal(compliant)
    if noncompliant:
        ledger.handle(
            charge_line(
                command_id=f"{admission_ref}:line:2",
                admission_ref=admission_ref,
                line_no="2",
                category="drug",
                amount=noncompliant,
                compliant=False,
            )
        )
    ledger.handle(Discharge(command_id=f"{admission_ref}:discharge", admission_ref=admission_ref, discharged_on=day))
    return ledger.handle(
        SettleAdmission(command_id=f"{admission_ref}:settle", admission_ref=admission_ref, settled_at=settled_at)
    )


def worked_example(ledger: BenefitLedger, patient_ref: str = "P-2.3", *, status: str = "jiandanglika") -> list[dict]:
    """Research §2.3: A at the county hospital (20,000 / 19,000 compliant), B at a province hospital (80,000 / 72,000)."""
    poor_patient(ledger, patient_ref, status=status)
    a = admit_and_settle(
        ledger,
        patient_ref,
        f"{patient_ref}-A",
        COUNTY_HOSPITAL,
        total="20000",
        compliant="19000",
        day=date(2018, 3, 12),
    )
    b = admit_and_settle(
        ledger,
        patient_ref,
        f"{patient_ref}-B",
        PROVINCE_HOSPITAL,
        total="80000",
        compliant="72000",
        day=date(2018, 5, 20),
        referred=True,
    )
    return [a, b]


def paid(result: dict, payer: str) -> Decimal:
    return sum((Decimal(layer["amount"]) for layer in result["layers"] if layer["payer"] == payer), Decimal("0.00"))


def register_standard_hospitals(ledger: BenefitLedger) -> None:
    """The registry's two standard hospitals (county LX-001, province AH-001), idempotent by command id."""
    for hospital in (COUNTY_HOSPITAL, PROVINCE_HOSPITAL):
        ensure_hospital(ledger, hospital)


def esrd_settled_before_5090(ledger: BenefitLedger, refs: tuple[str, ...] = ("P-5090",)) -> None:
    """The retroactive-"5090" set-up: a version without "5090" in force from 1 January 2018, and each patient
    (poor, ESRD confirmed in 2017) settled twice at a province hospital, referred, 40,000 compliant, on
    10 February and 10 May (admissions `{ref}-D0`, `{ref}-D1`)."""
    from service.commands import ConfirmMajorDisease

    publish_default(
        ledger,
        policy_variant(
            "langxi-2018.1-no5090",
            datetime(2017, 12, 31, tzinfo=UTC),
            **{"cascade.inpatient": WITHOUT_5090, "ma.by_status": {}},
        ),
    )
    for ref in refs:
        poor_patient(ledger, ref)
        ledger.handle(
            ConfirmMajorDisease(
                command_id=f"{ref}:esrd", patient_ref=ref, disease="esrd", confirmed_on=date(2017, 6, 1)
            )
        )
        for n, day in enumerate([date(2018, 2, 10), date(2018, 5, 10)]):
            admit_and_settle(
                ledger,
                ref,
                f"{ref}-D{n}",
                PROVINCE_HOSPITAL,
                total="40000",
                compliant="40000",
                day=day,
                referred=True,
                settled_at=datetime(2018, day.month, 11, tzinfo=UTC),
            )


def publish_retroactive_5090(ledger: BenefitLedger) -> None:
    """Publish, on 15 July 2018, the version WITH "5090" effective from 1 January (`langxi-2018.2-5090`)."""
    retro = policy_variant("langxi-2018.2-5090", datetime(2018, 7, 15, tzinfo=UTC), **{"ma.by_status": {}})
    ledger.handle(PublishPolicyVersion.of(retro, command_id="publish-5090"))


def visit_commands(ref: str, patient: str, day: date, *, lines: int = 2) -> list[Command]:
    """A county-hospital inpatient visit's hospital-window commands: register, `lines` charge lines, discharge, settle."""
    commands: list[Command] = [
        RegisterAdmission(
            command_id=f"{ref}:register",
            admission_ref=ref,
            patient_ref=patient,
            kind="inpatient",
            hospital_code=COUNTY_HOSPITAL["code"],
            admitted_on=day,
        )
    ]
    commands += [
        charge_line(
            command_id=f"{ref}:line:{n}",
            admission_ref=ref,
            line_no=str(n),
            category="treatment",
            amount=Decimal("1200.50") + n,
            compliant=True,
        )
        for n in range(1, lines + 1)
    ]
    commands.append(Discharge(command_id=f"{ref}:discharge", admission_ref=ref, discharged_on=day))
    commands.append(SettleAdmission(command_id=f"{ref}:settle", admission_ref=ref, settled_at=SETTLED_AT))
    return commands

"""The settlement slip (结算单) of an admission: what the patient leaving the one-stop window holds.

`settlement_slip(ledger, admission_ref, personal=...)` gathers, from the recorded settlement only
(nothing is recomputed): the patient (the ID card number masked; name and ID only when `personal`,
i.e. for roles that may read personal data), the hospital, admission and discharge dates, total,
compliant and non-compliant costs, each payer's amount under its Chinese name, the hospital-borne
part and what the patient pays. After a retroactive recalculation changed the settlement, the slip
adds the recalculated amounts and the 追溯补偿 owed, paid and outstanding.

Amounts stay Decimal; `yuan()` formats them (thousands grouped, two places) without rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from documents.settlement_record import SettlementRecord, admission_settlement
from documents.slip_labels import (
    PAYER_NAMES,
    STATUS_NAMES,
    TIER_NAMES,
    VISIT_NAMES,
    VISIT_TITLES,
    WITHHELD,
)
from domain.money import ZERO
from domain.rules.settlement import Settlement
from domain.vocabulary import PovertyStatus, Tier, VisitKind
from service.personal_data import masked_id_card_no

CHINA = timezone(timedelta(hours=8), "CST")


def yuan(amount: Decimal) -> str:
    """12345.6 -> "12,345.60": exact (Decimal formatting never goes through a float)."""
    assert isinstance(amount, Decimal), amount
    return f"{amount:,.2f}"


def china_time(iso: str) -> str:
    """An ISO time as Beijing time, to the minute ("2018-07-01 18:00")."""
    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class PayerLine:
    payer: str  # code (ncms, cii, ...)
    name: str  # Chinese name
    amount: Decimal
    explanation: str


@dataclass(frozen=True)
class RestatedLine:
    payer: str
    name: str
    settled: Decimal  # at the window
    restated: Decimal  # after the last recalculation

    @property
    def change(self) -> Decimal:
        return self.restated - self.settled


@dataclass(frozen=True)
class Restatement:
    """The settlement after the last retroactive recalculation, and the 追溯补偿 it owes the patient."""

    policy_version: str
    recorded_at: str
    payers: tuple[RestatedLine, ...]  # every payer of either settlement, in the recalculated cascade order
    payer_total: Decimal
    patient_share: Decimal
    owed: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return max(ZERO, self.owed - self.paid)


@dataclass(frozen=True)
class SettlementSlip:
    title: str
    settlement_id: str
    admission_ref: str
    patient_ref: str
    name: str
    id_card_no: str
    county_code: str
    township: str
    poverty_status: str
    hospital_name: str
    hospital_code: str
    hospital_tier: str
    visit_kind: str
    admitted_on: str
    discharged_on: str
    diagnosis: str
    settled_at: str
    policy_version: str
    total: Decimal
    compliant: Decimal
    noncompliant: Decimal
    payers: tuple[PayerLine, ...]
    payer_total: Decimal
    hospital_borne: Decimal
    patient_compliant: Decimal
    patient_noncompliant: Decimal
    patient_share: Decimal
    restatement: Restatement | None = None
    printed_at: str = field(default="")

    def check(self) -> None:
        """The slip's own figures add up: total = payers + hospital-borne + patient, compliant split."""
        assert self.total == self.payer_total + self.hospital_borne + self.patient_share, self.settlement_id
        assert self.total == self.compliant + self.noncompliant, self.settlement_id
        assert self.patient_share == self.patient_compliant + self.patient_noncompliant, self.settlement_id


def _payer_lines(settlement: Settlement) -> tuple[PayerLine, ...]:
    return tuple(
        PayerLine(layer.payer.value, PAYER_NAMES[layer.payer], layer.amount, layer.explanation)
        for layer in settlement.layers
    )


def settlement_slip(ledger: Any, admission_ref: str, *, personal: bool, now: datetime | None = None) -> SettlementSlip:
    """The slip of the admission's settlement (409 if it is not settled; 404 if there is no such admission)."""
    admission = ledger.get_admission(admission_ref)
    return slip_of(ledger, admission_settlement(ledger, admission), personal=personal, now=now)


def slip_of(ledger: Any, found: SettlementRecord, *, personal: bool, now: datetime | None = None) -> SettlementSlip:
    record, admission = found.record, found.admission
    settled = Settlement.from_dict(dict(record["settlement"]))
    settled.check_invariant()
    claim = record["claim"]
    patient = ledger.get_patient(found.history.patient_ref)
    name, id_card_no = WITHHELD, WITHHELD
    if personal:
        opened = ledger.personal_identifiers(patient) or {}
        name = opened.get("name") or "—"
        id_card_no = masked_id_card_no(opened["id_card_no"]) if opened.get("id_card_no") else "—"
    hospital = record["hospital"]
    kind = VisitKind(claim["kind"])
    slip = SettlementSlip(
        title=VISIT_TITLES[kind],
        settlement_id=found.settlement_id,
        admission_ref=admission.admission_ref,
        patient_ref=found.history.patient_ref,
        name=name,
        id_card_no=id_card_no,
        county_code=found.history.county_code,
        township=patient.township or "—",
        poverty_status=STATUS_NAMES[PovertyStatus(claim["poverty_status"])],
        hospital_name=hospital["name"],
        hospital_code=hospital["code"],
        hospital_tier=TIER_NAMES[Tier(hospital["tier"])],
        visit_kind=VISIT_NAMES[kind],
        admitted_on=admission.admitted_on,
        discharged_on=admission.discharged_on or claim["service_date"],
        diagnosis=admission.diagnosis or "—",
        settled_at=china_time(record["settled_at"]),
        policy_version=settled.policy_version,
        total=settled.total,
        compliant=settled.compliant,
        noncompliant=settled.noncompliant,
        payers=_payer_lines(settled),
        payer_total=settled.payer_total,
        hospital_borne=settled.hospital_borne,
        patient_compliant=settled.patient_compliant,
        patient_noncompliant=settled.patient_noncompliant,
        patient_share=settled.patient_share,
        restatement=_restatement(found, settled),
        printed_at=(now or datetime.now(CHINA)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
    )
    slip.check()
    return slip


def _restatement(found: SettlementRecord, settled: Settlement) -> Restatement | None:
    if len(found.versions) < 2:
        return None
    record = found.record
    current = Settlement.from_dict(dict(record["current"]))
    current.check_invariant()
    order = [layer.payer for layer in current.layers]
    order += [layer.payer for layer in settled.layers if layer.payer not in order]
    return Restatement(
        policy_version=current.policy_version,
        recorded_at=china_time(found.versions[-1].recorded_at),
        payers=tuple(RestatedLine(p.value, PAYER_NAMES[p], settled.paid_by(p), current.paid_by(p)) for p in order),
        payer_total=current.payer_total,
        patient_share=current.patient_share,
        owed=Decimal(record["compensation_owed"]),
        paid=Decimal(record["compensation_paid"]),
    )

"""Admission: an inpatient stay or outpatient chronic visit at one hospital, its charge lines,
discharge and settlement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import StateConflictError, ValidationError
from domain.money import ZERO, money_sum
from domain.registry.catalogue import LineClassification
from domain.vocabulary import Tier, VisitKind


class Admission(Aggregate):
    """One episode of care. Charges are posted line by line; a settled admission is closed."""

    TOPIC = "ledger:Admission"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Admission.Created"

    @staticmethod
    def create_id(admission_ref: str) -> UUID:
        return ids.admission_id(admission_ref)

    @event("Registered", topic="ledger:Admission.Registered")
    def __init__(
        self,
        admission_ref: str,
        patient_ref: str,
        kind: str,
        hospital: dict[str, Any],
        referred: bool,
        admitted_on: str,
        diagnosis: str,
    ) -> None:
        self.admission_ref = admission_ref
        self.patient_ref = patient_ref
        self.kind = kind
        self.hospital = hospital
        self.referred = referred
        self.admitted_on = admitted_on
        self.diagnosis = diagnosis
        # line_no -> {category, amount, compliant, reversed, legacy} (+ compliant_amount and classification
        # when the ledger classified it against the catalogue; legacy lines arrived pre-classified)
        self.lines: dict[str, dict[str, Any]] = {}
        self.discharged_on: str | None = None
        self.settlements: list[str] = []  # settlement ids, in order
        self.benefit_year_ids: list[str] = []  # the patient-year account of each settlement

    # ---- queries -------------------------------------------------------------------------------
    @property
    def tier(self) -> Tier:
        return Tier(self.hospital["tier"])

    @property
    def visit_kind(self) -> VisitKind:
        return VisitKind(self.kind)

    @property
    def reversed_settlements(self) -> list[str]:
        """Settlements reversed (反结算 / 骗保); older snapshots have none."""
        found: list[str] = self.__dict__.setdefault("reversed", [])
        return found

    @property
    def is_settled(self) -> bool:
        """Settled and not reversed: a reversed admission is open again for corrections and a new settlement."""
        return any(sid not in self.reversed_settlements for sid in self.settlements)

    @property
    def active_settlement(self) -> str | None:
        active = [sid for sid in self.settlements if sid not in self.reversed_settlements]
        return active[-1] if active else None

    def reverse_settlement(self, settlement_id: str, reason: str, kind: str) -> None:
        if settlement_id != self.active_settlement:
            raise StateConflictError(f"{settlement_id} is not the standing settlement of {self.admission_ref}")
        self._settlement_reversed(settlement_id=settlement_id, reason=reason, kind=kind)

    def active_lines(self) -> list[dict[str, Any]]:
        return [line for line in self.lines.values() if not line["reversed"]]

    @property
    def total(self) -> Decimal:
        return money_sum(Decimal(line["amount"]) for line in self.active_lines())

    @property
    def compliant(self) -> Decimal:
        return money_sum(line_compliant_amount(line) for line in self.active_lines())

    def service_date(self) -> date:
        """The date the settlement is made for: discharge (inpatient) or the visit day (outpatient)."""
        assert self.discharged_on is not None
        return date.fromisoformat(self.discharged_on)

    # ---- commands ------------------------------------------------------------------------------
    def post_charge_line(self, line_no: str, category: str, amount: Decimal, compliant: bool) -> None:
        self._check_open()
        if line_no in self.lines:
            raise StateConflictError(f"charge line {line_no} is already posted on {self.admission_ref}")
        if amount <= ZERO:
            raise ValidationError(f"charge line {line_no}: amount must be positive (reverse a line to correct it)")
        self._charge_line_posted(line_no=line_no, category=category, amount=amount, compliant=compliant)

    def post_classified_line(self, line_no: str, category: str, classification: LineClassification) -> None:
        """A charge line the ledger classified against the catalogue (compliant part, 超限价, out of catalogue)."""
        self._check_open()
        if line_no in self.lines:
            raise StateConflictError(f"charge line {line_no} is already posted on {self.admission_ref}")
        if classification.amount <= ZERO:
            raise ValidationError(f"charge line {line_no}: amount must be positive (reverse a line to correct it)")
        self._charge_line_classified(line_no=line_no, category=category, classification=classification.to_dict())

    def reverse_charge_line(self, line_no: str, reason: str) -> None:
        self._check_open()
        line = self.lines.get(line_no)
        if line is None:
            raise StateConflictError(f"no charge line {line_no} on {self.admission_ref}")
        if line["reversed"]:
            raise StateConflictError(f"charge line {line_no} is already reversed")
        self._charge_line_reversed(line_no=line_no, reason=reason)

    def discharge(self, discharged_on: date) -> None:
        self._check_open()
        if self.discharged_on is not None:
            raise StateConflictError(f"{self.admission_ref} is already discharged")
        if discharged_on.isoformat() < self.admitted_on:
            raise ValidationError("discharged_on is before admitted_on")
        self._discharged(discharged_on=discharged_on.isoformat())

    def check_settleable(self) -> None:
        if self.is_settled:
            raise StateConflictError(f"{self.admission_ref} is already settled")
        if self.discharged_on is None:
            raise StateConflictError(f"{self.admission_ref} is not discharged yet; settle at discharge")
        if not self.active_lines():
            raise StateConflictError(f"{self.admission_ref} has no charge lines to settle")

    def mark_settled(
        self,
        settlement_id: str,
        benefit_year_id: str,
        patient_share: Decimal,
        payer_total: Decimal,
        hospital_borne: Decimal,
    ) -> None:
        self.check_settleable()
        self._settled(
            settlement_id=settlement_id,
            benefit_year_id=benefit_year_id,
            patient_share=patient_share,
            payer_total=payer_total,
            hospital_borne=hospital_borne,
        )

    def _check_open(self) -> None:
        if self.is_settled:
            raise StateConflictError(f"{self.admission_ref} is settled; corrections are new events on the settlement")

    # ---- events (assignment only) --------------------------------------------------------------
    @event("ChargeLinePosted", topic="ledger:Admission.ChargeLinePosted")
    def _charge_line_posted(self, line_no: str, category: str, amount: Decimal, compliant: bool) -> None:
        self.lines[line_no] = {
            "category": category,
            "amount": amount,
            "compliant": compliant,
            "legacy": True,  # pre-classified by the sender (legacy import, or a line recorded before the catalogue)
            "reversed": False,
        }

    @event("ChargeLineClassified", topic="ledger:Admission.ChargeLineClassified")
    def _charge_line_classified(self, line_no: str, category: str, classification: dict[str, Any]) -> None:
        amount, compliant_amount = classification["amount"], classification["compliant_amount"]
        self.lines[line_no] = {
            "category": category,
            "amount": amount,
            "compliant": compliant_amount == amount,
            "compliant_amount": compliant_amount,
            "classification": classification,
            "legacy": False,
            "reversed": False,
        }

    @event("ChargeLineReversed", topic="ledger:Admission.ChargeLineReversed")
    def _charge_line_reversed(self, line_no: str, reason: str) -> None:
        self.lines[line_no]["reversed"] = True

    @event("Discharged", topic="ledger:Admission.Discharged")
    def _discharged(self, discharged_on: str) -> None:
        self.discharged_on = discharged_on

    @event("SettlementReversed", topic="ledger:Admission.SettlementReversed")
    def _settlement_reversed(self, settlement_id: str, reason: str, kind: str) -> None:
        self.reversed_settlements.append(settlement_id)

    @event("Settled", topic="ledger:Admission.Settled")
    def _settled(
        self,
        settlement_id: str,
        benefit_year_id: str,
        patient_share: Decimal,
        payer_total: Decimal,
        hospital_borne: Decimal,
    ) -> None:
        self.settlements.append(settlement_id)
        self.benefit_year_ids.append(benefit_year_id)


def line_compliant_amount(line: dict[str, Any]) -> Decimal:
    """The compliant part of a charge line: classified by the catalogue, or all-or-nothing for a legacy line."""
    if "compliant_amount" in line:
        return Decimal(line["compliant_amount"])
    return Decimal(line["amount"]) if line["compliant"] else ZERO

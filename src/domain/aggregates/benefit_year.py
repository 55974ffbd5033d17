"""BenefitYear: one patient's benefit account for one year, the consistency boundary of settlements.

Every settlement of the patient-year appends here at the next version, so two settlements of
the same patient-year can never interleave: the second writer collides and retries on fresh state.
The events carry the claim facts, the policy version, the full settlement and the accumulators
after it, so replay needs no rules and `verify` can re-derive everything from raw facts.

The aggregate's own state is kept small (accumulators and per-settlement compensation), so a
settlement costs the same in December as in January; the full records an auditor reads are
folded from the events by `benefit_year_history.BenefitYearHistory`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import NotFoundError, StateConflictError, ValidationError
from domain.money import ZERO
from domain.rules.claim import ClaimFacts
from domain.rules.settlement import Settlement
from domain.rules.year_state import YearState


class BenefitYear(Aggregate):
    TOPIC = "ledger:BenefitYear"

    class Created(Aggregate.Created):
        TOPIC = "ledger:BenefitYear.Created"

    @staticmethod
    def create_id(patient_ref: str, year: int) -> UUID:
        return ids.benefit_year_id(patient_ref, year)

    @event("Opened", topic="ledger:BenefitYear.Opened")
    def __init__(self, patient_ref: str, year: int, county_code: str) -> None:
        self.patient_ref = patient_ref
        self.year = year
        self.county_code = county_code
        self.settlement_ids: list[str] = []
        self.compensation: dict[str, dict[str, Decimal]] = {}  # settlement id -> {owed, paid}
        self.state: dict[str, Any] = YearState().to_dict()
        self.recalculations = 0

    @property
    def reversed_settlements(self) -> dict[str, dict[str, Any]]:
        """settlement id -> {kind: reversal | fraud, reason, recoverable}; older snapshots have none."""
        found: dict[str, dict[str, Any]] = self.__dict__.setdefault("reversed", {})
        return found

    @property
    def active_settlement_ids(self) -> list[str]:
        return [sid for sid in self.settlement_ids if sid not in self.reversed_settlements]

    @property
    def previous_settled_at(self) -> str | None:
        """The client's settled_at of the year's latest settlement (None before the first)."""
        last: str | None = getattr(self, "last_settled_at", None)  # absent from snapshots of older versions
        return last

    @property
    def year_state(self) -> YearState:
        return YearState.from_dict(self.state)

    def record_settlement(
        self,
        settlement_id: str,
        admission_ref: str,
        hospital: dict[str, Any],
        settled_at: str,
        claim: ClaimFacts,
        settlement: Settlement,
        state_after: YearState,
        *,
        patient_version: int,
        admission_version: int,
    ) -> None:
        """Record a settlement computed from the patient and admission at the given versions."""
        settlement.check_invariant()
        self._settlement_recorded(
            settlement_id=settlement_id,
            admission_ref=admission_ref,
            hospital=hospital,
            settled_at=settled_at,
            patient_version=patient_version,
            admission_version=admission_version,
            claim=claim.to_dict(),
            policy_version=settlement.policy_version,
            settlement=settlement.to_dict(),
            state_after=state_after.to_dict(),
            patient_share=settlement.patient_share,
            payer_total=settlement.payer_total,
        )

    @event("SettlementRecorded", topic="ledger:BenefitYear.SettlementRecorded")
    def _settlement_recorded(
        self,
        settlement_id: str,
        admission_ref: str,
        hospital: dict[str, Any],
        settled_at: str,
        patient_version: int,
        admission_version: int,
        claim: dict[str, Any],
        policy_version: str,
        settlement: dict[str, Any],
        state_after: dict[str, Any],
        patient_share: Decimal,
        payer_total: Decimal,
    ) -> None:
        self.settlement_ids.append(settlement_id)
        self.compensation[settlement_id] = {"owed": ZERO, "paid": ZERO}
        self.state = state_after
        self.last_settled_at = settled_at

    # ---- retroactive recalculation -------------------------------------------------------------
    def record_recalculation(
        self, items: list[dict[str, Any]], state_after: YearState, reason: str, recalculated_at: str
    ) -> bool:
        """Record a recalculation if it changes any settlement; returns whether it did."""
        assert [i["settlement_id"] for i in items] == self.active_settlement_ids
        if not any(item["changed"] for item in items):
            return False
        self._recalculation_recorded(
            items=items, state_after=state_after.to_dict(), reason=reason, recalculated_at=recalculated_at
        )
        return True

    def record_check(self, reason: str, recalculated_at: str, facts: dict[str, Any]) -> None:
        """A recalculation that re-read the year's facts and changed nothing: its trace (a late fact it
        answered is applied, with no money moving)."""
        self._recalculation_checked(reason=reason, recalculated_at=recalculated_at, facts=facts)

    @event("RecalculationChecked", topic="ledger:BenefitYear.RecalculationChecked")
    def _recalculation_checked(self, reason: str, recalculated_at: str, facts: dict[str, Any]) -> None:
        pass

    def compensation_outstanding(self, settlement_id: str) -> Decimal:
        entry = self.compensation.get(settlement_id)
        if entry is None:
            raise NotFoundError(f"no settlement {settlement_id} in {self.patient_ref}/{self.year}")
        return max(ZERO, Decimal(entry["owed"]) - Decimal(entry["paid"]))

    def pay_retroactive_compensation(self, settlement_id: str, amount: Decimal, paid_on: str, reference: str) -> None:
        """Record 追溯补偿金 paid directly to the patient for one settlement."""
        outstanding = self.compensation_outstanding(settlement_id)
        if amount <= ZERO or amount > outstanding:
            raise ValidationError(
                f"compensation {amount} for {settlement_id} must be positive and at most the outstanding {outstanding}"
            )
        self._retroactive_compensation_paid(
            settlement_id=settlement_id, amount=amount, paid_on=paid_on, reference=reference
        )

    # ---- reversal (反结算) and fraud (骗保) ---------------------------------------------------------
    def reverse_settlement(
        self,
        settlement_id: str,
        items: list[dict[str, Any]],
        state_after: YearState,
        *,
        kind: str,
        reason: str,
        reversed_at: str,
        recoverable: Decimal = ZERO,
        finding_ref: str = "",
    ) -> None:
        """Take a settlement out of the year; `items` re-derive every active settlement (domain.rules.reversal)."""
        if settlement_id not in self.settlement_ids:
            raise NotFoundError(f"no settlement {settlement_id} in {self.patient_ref}/{self.year}")
        if settlement_id in self.reversed_settlements:
            raise StateConflictError(f"settlement {settlement_id} is already reversed")
        assert [i["settlement_id"] for i in items] == self.active_settlement_ids
        self._settlement_reversed(
            settlement_id=settlement_id,
            kind=kind,
            reason=reason,
            reversed_at=reversed_at,
            finding_ref=finding_ref,
            recoverable=recoverable,
            items=items,
            state_after=state_after.to_dict(),
        )

    def recoverable_outstanding(self, settlement_id: str) -> Decimal:
        entry = self.reversed_settlements.get(settlement_id)
        if entry is None:
            raise NotFoundError(f"no fraud reversal of {settlement_id} in {self.patient_ref}/{self.year}")
        return Decimal(entry["recoverable"]) - Decimal(entry["recovered"])

    def recover(self, settlement_id: str, amount: Decimal, recovered_on: str, reference: str) -> None:
        """Record money recovered from the patient (追回) after a fraud reversal; at most what is outstanding."""
        outstanding = self.recoverable_outstanding(settlement_id)
        if amount <= ZERO or amount > outstanding:
            raise ValidationError(f"amount: {amount} must be positive and at most the recoverable {outstanding}")
        self._benefit_recovered(
            settlement_id=settlement_id, amount=amount, recovered_on=recovered_on, reference=reference
        )

    @event("SettlementReversed", topic="ledger:BenefitYear.SettlementReversed")
    def _settlement_reversed(
        self,
        settlement_id: str,
        kind: str,
        reason: str,
        reversed_at: str,
        finding_ref: str,
        recoverable: Decimal,
        items: list[dict[str, Any]],
        state_after: dict[str, Any],
    ) -> None:
        for item in items:
            if not item.get("reversed"):
                self.compensation[item["settlement_id"]]["owed"] = item["compensation_owed"]
        self.reversed_settlements[settlement_id] = {
            "kind": kind,
            "reason": reason,
            "recoverable": recoverable,
            "recovered": ZERO,
        }
        self.state = state_after

    @event("BenefitRecovered", topic="ledger:BenefitYear.BenefitRecovered")
    def _benefit_recovered(self, settlement_id: str, amount: Decimal, recovered_on: str, reference: str) -> None:
        entry = self.reversed_settlements[settlement_id]
        entry["recovered"] = Decimal(entry["recovered"]) + amount

    @event("RecalculationRecorded", topic="ledger:BenefitYear.RecalculationRecorded")
    def _recalculation_recorded(
        self, items: list[dict[str, Any]], state_after: dict[str, Any], reason: str, recalculated_at: str
    ) -> None:
        for item in items:
            self.compensation[item["settlement_id"]]["owed"] = item["compensation_owed"]
        self.state = state_after
        self.recalculations += 1

    @event("RetroactiveCompensationPaid", topic="ledger:BenefitYear.RetroactiveCompensationPaid")
    def _retroactive_compensation_paid(self, settlement_id: str, amount: Decimal, paid_on: str, reference: str) -> None:
        entry = self.compensation[settlement_id]
        entry["paid"] = Decimal(entry["paid"]) + amount

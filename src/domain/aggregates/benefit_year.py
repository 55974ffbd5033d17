"""BenefitYear: one patient's benefit account for one year, the consistency boundary of settlements.

Every settlement of the patient-year appends here at the next version, so two settlements of
the same patient-year can never interleave: the second writer collides and retries on fresh state.
The event carries the claim facts, the policy version, the full settlement and the accumulators
after it, so a replay needs no rules and `verify` can re-derive everything from raw facts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids

from domain.errors import NotFoundError, ValidationError
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
        # One record per settlement, in settlement order: the facts, the settlement as made
        # ("settlement") and as last recalculated ("current"), and retroactive compensation.
        self.settlements: list[dict[str, Any]] = []
        self.state: dict[str, Any] = YearState().to_dict()
        self.recalculations = 0

    @property
    def year_state(self) -> YearState:
        return YearState.from_dict(self.state)

    def settlement_records(self) -> list[dict[str, Any]]:
        return list(self.settlements)

    def record_settlement(self, settlement_id: str, admission_ref: str, hospital: dict[str, Any], settled_at: str,
                          claim: ClaimFacts, settlement: Settlement, state_after: YearState, *,
                          patient_version: int, admission_version: int) -> None:
        """Record a settlement computed from the patient and admission at the given versions."""
        settlement.check_invariant()
        self._settlement_recorded(
            settlement_id=settlement_id, admission_ref=admission_ref, hospital=hospital, settled_at=settled_at,
            patient_version=patient_version, admission_version=admission_version,
            claim=claim.to_dict(), policy_version=settlement.policy_version, settlement=settlement.to_dict(),
            state_after=state_after.to_dict(), patient_share=settlement.patient_share,
            payer_total=settlement.payer_total)

    @event("SettlementRecorded", topic="ledger:BenefitYear.SettlementRecorded")
    def _settlement_recorded(self, settlement_id: str, admission_ref: str, hospital: dict[str, Any], settled_at: str,
                             patient_version: int, admission_version: int, claim: dict[str, Any], policy_version: str, settlement: dict[str, Any],
                             state_after: dict[str, Any], patient_share: Decimal, payer_total: Decimal) -> None:
        self.settlements.append({"settlement_id": settlement_id, "admission_ref": admission_ref,
                                 "hospital": hospital, "settled_at": settled_at, "claim": claim,
                                 "patient_version": patient_version, "admission_version": admission_version,
                                 "policy_version": policy_version, "settlement": settlement,
                                 "current": settlement, "compensation_owed": ZERO, "compensation_paid": ZERO})
        self.state = state_after

    # ---- retroactive recalculation -------------------------------------------------------------
    def record_recalculation(self, items: list[dict[str, Any]], state_after: YearState, reason: str,
                             recalculated_at: str) -> bool:
        """Record a recalculation if it changes any settlement; returns whether it did."""
        assert [i["settlement_id"] for i in items] == [r["settlement_id"] for r in self.settlements]
        if not any(item["changed"] for item in items):
            return False
        self._recalculation_recorded(items=items, state_after=state_after.to_dict(), reason=reason,
                                     recalculated_at=recalculated_at)
        return True

    def compensation_outstanding(self, settlement_id: str) -> Decimal:
        record = self.record_of(settlement_id)
        return max(ZERO, Decimal(record["compensation_owed"]) - Decimal(record["compensation_paid"]))

    def pay_retroactive_compensation(self, settlement_id: str, amount: Decimal, paid_on: str, reference: str) -> None:
        """Record 追溯补偿金 paid directly to the patient for one settlement."""
        outstanding = self.compensation_outstanding(settlement_id)
        if amount <= ZERO or amount > outstanding:
            raise ValidationError(f"compensation {amount} for {settlement_id} must be positive and at most "
                                  f"the outstanding {outstanding}")
        self._retroactive_compensation_paid(settlement_id=settlement_id, amount=amount, paid_on=paid_on,
                                            reference=reference)

    def record_of(self, settlement_id: str) -> dict[str, Any]:
        for record in self.settlements:
            if record["settlement_id"] == settlement_id:
                return record
        raise NotFoundError(f"no settlement {settlement_id} in {self.patient_ref}/{self.year}")

    @event("RecalculationRecorded", topic="ledger:BenefitYear.RecalculationRecorded")
    def _recalculation_recorded(self, items: list[dict[str, Any]], state_after: dict[str, Any], reason: str,
                                recalculated_at: str) -> None:
        for record, item in zip(self.settlements, items):
            record["current"] = item["settlement"]
            record["policy_version"] = item["policy_version_after"]
            record["compensation_owed"] = item["compensation_owed"]
        self.state = state_after
        self.recalculations += 1

    @event("RetroactiveCompensationPaid", topic="ledger:BenefitYear.RetroactiveCompensationPaid")
    def _retroactive_compensation_paid(self, settlement_id: str, amount: Decimal, paid_on: str,
                                       reference: str) -> None:
        record = self.record_of(settlement_id)
        record["compensation_paid"] = Decimal(record["compensation_paid"]) + amount

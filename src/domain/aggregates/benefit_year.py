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
    def __init__(self, patient_ref: str, year: int) -> None:
        self.patient_ref = patient_ref
        self.year = year
        self.settlements: list[dict[str, Any]] = []  # SettlementRecorded payloads, in settlement order
        self.state: dict[str, Any] = YearState().to_dict()

    @property
    def year_state(self) -> YearState:
        return YearState.from_dict(self.state)

    def settlement_records(self) -> list[dict[str, Any]]:
        return list(self.settlements)

    def record_settlement(self, settlement_id: str, admission_ref: str, hospital: dict[str, Any], settled_at: str,
                          claim: ClaimFacts, settlement: Settlement, state_after: YearState) -> None:
        settlement.check_invariant()
        self._settlement_recorded(
            settlement_id=settlement_id, admission_ref=admission_ref, hospital=hospital, settled_at=settled_at,
            claim=claim.to_dict(), policy_version=settlement.policy_version, settlement=settlement.to_dict(),
            state_after=state_after.to_dict(), patient_share=settlement.patient_share,
            payer_total=settlement.payer_total)

    @event("SettlementRecorded", topic="ledger:BenefitYear.SettlementRecorded")
    def _settlement_recorded(self, settlement_id: str, admission_ref: str, hospital: dict[str, Any], settled_at: str,
                             claim: dict[str, Any], policy_version: str, settlement: dict[str, Any],
                             state_after: dict[str, Any], patient_share: Decimal, payer_total: Decimal) -> None:
        self.settlements.append({"settlement_id": settlement_id, "admission_ref": admission_ref,
                                 "hospital": hospital, "settled_at": settled_at, "claim": claim,
                                 "policy_version": policy_version, "settlement": settlement})
        self.state = state_after

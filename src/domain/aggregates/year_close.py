"""YearClose (年度结算): the close of one county-year, with the closing figures kept in the event.

Closed once (`Closed`, never reopened). Afterwards the window can no longer settle or reverse a settlement of
the county-year (service.year_close.check_open); a late claim (零星报销) settles only through
`settle_late_claim`, recorded here as `LateClaimSettled` (an adjustment against the closed year).
Recalculations, fraud reversals and late claims after the close are restatements: the report compares the
figures now with the kept closing figures.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import StateConflictError


class YearClose(Aggregate):
    TOPIC = "ledger:YearClose"

    class Created(Aggregate.Created):
        TOPIC = "ledger:YearClose.Created"

    @staticmethod
    def create_id(county_code: str, year: int) -> UUID:
        return ids.year_close_id(county_code, year)

    @event("Closed", topic="ledger:YearClose.Closed")
    def __init__(
        self, county_code: str, year: int, close_ref: str, reason: str, closed_at: str, figures: dict[str, Any]
    ) -> None:
        self.county_code = county_code
        self.year = year
        self.close_ref = close_ref
        self.reason = reason
        self.closed_at = closed_at
        self.figures = figures
        self.late_claims: list[dict[str, Any]] = []

    def describe(self) -> str:
        return f"year close {self.close_ref} of {self.county_code}/{self.year} (closed {self.closed_at}: {self.reason})"

    def record_late_claim(
        self, settlement_id: str, patient_ref: str, reason: str, settled_at: str, payer_total: Any, patient_share: Any
    ) -> None:
        if any(claim["settlement_id"] == settlement_id for claim in self.late_claims):
            raise StateConflictError(f"late claim {settlement_id} is already recorded against {self.describe()}")
        self._late_claim_settled(
            settlement_id=settlement_id,
            patient_ref=patient_ref,
            reason=reason,
            settled_at=settled_at,
            payer_total=payer_total,
            patient_share=patient_share,
        )

    @event("LateClaimSettled", topic="ledger:YearClose.LateClaimSettled")
    def _late_claim_settled(
        self, settlement_id: str, patient_ref: str, reason: str, settled_at: str, payer_total: Any, patient_share: Any
    ) -> None:
        self.late_claims.append(
            {
                "settlement_id": settlement_id,
                "patient_ref": patient_ref,
                "reason": reason,
                "settled_at": settled_at,
                "payer_total": payer_total,
                "patient_share": patient_share,
            }
        )

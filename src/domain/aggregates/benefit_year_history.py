"""The auditor's full view of a patient-year, folded from its BenefitYear events.

One record per settlement, in settlement order: the claim facts, the settlement as made
("settlement"), as last recalculated ("current"), the patient and admission versions it was
computed from, and retroactive compensation owed and paid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.errors import NotFoundError
from domain.money import ZERO

PREFIX = "ledger:BenefitYear."


@dataclass
class BenefitYearHistory:
    patient_ref: str = ""
    year: int = 0
    county_code: str = ""
    version: int = 0
    settlements: list[dict[str, Any]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    recalculations: int = 0
    checks: int = 0  # recalculations that re-read the facts and changed nothing (RecalculationChecked)

    @classmethod
    def fold(cls, events: Iterable[Any]) -> BenefitYearHistory:
        history = cls()
        for domain_event in events:
            history.apply(domain_event)
        return history

    def apply(self, e: Any) -> None:
        kind = type(e).TOPIC.removeprefix(PREFIX)
        self.version = e.originator_version
        if kind == "Opened":
            self.patient_ref, self.year, self.county_code = e.patient_ref, e.year, e.county_code
        elif kind == "SettlementRecorded":
            self.settlements.append(
                {
                    "settlement_id": e.settlement_id,
                    "admission_ref": e.admission_ref,
                    "hospital": e.hospital,
                    "settled_at": e.settled_at,
                    "recorded_at": e.timestamp.isoformat(),
                    "claim": e.claim,
                    "patient_version": e.patient_version,
                    "admission_version": e.admission_version,
                    "policy_version": e.policy_version,
                    "settlement": e.settlement,
                    "current": e.settlement,
                    "compensation_owed": ZERO,
                    "compensation_paid": ZERO,
                }
            )
            self.state = e.state_after
        elif kind == "RecalculationRecorded":
            by_id = {record["settlement_id"]: record for record in self.settlements}
            for item in e.items:
                record = by_id[item["settlement_id"]]
                record["current"] = item["settlement"]
                record["policy_version"] = item["policy_version_after"]
                record["compensation_owed"] = item["compensation_owed"]
                _take_claim(record, item)
            self.state = e.state_after
            self.recalculations += 1
        elif kind == "SettlementReversed":
            by_id = {record["settlement_id"]: record for record in self.settlements}
            for item in e.items:
                record = by_id[item["settlement_id"]]
                record["current"] = item["settlement"]
                record["compensation_owed"] = item["compensation_owed"]
                _take_claim(record, item)
                if item.get("reversed"):
                    record["reversed"] = {
                        "kind": e.kind,
                        "reason": e.reason,
                        "reversed_at": e.reversed_at,
                        "finding_ref": e.finding_ref,
                        "recoverable": e.recoverable,
                        "recovered": ZERO,
                        "settlements_before": len(self.settlements),  # settled after it: it no longer counted
                    }
            self.state = e.state_after
        elif kind == "RecalculationChecked":
            self.checks += 1
        elif kind == "BenefitRecovered":
            entry = self.record_of(e.settlement_id)["reversed"]
            entry["recovered"] = Decimal(entry["recovered"]) + e.amount
        elif kind == "RetroactiveCompensationPaid":
            record = self.record_of(e.settlement_id)
            record["compensation_paid"] = Decimal(record["compensation_paid"]) + e.amount

    @property
    def active_settlements(self) -> list[dict[str, Any]]:
        """The settlements that count (not reversed), in order."""
        return [record for record in self.settlements if not record.get("reversed")]

    def record_of(self, settlement_id: str) -> dict[str, Any]:
        for record in self.settlements:
            if record["settlement_id"] == settlement_id:
                return record
        raise NotFoundError(f"no settlement {settlement_id} in {self.patient_ref}/{self.year}")

    def compensation_outstanding(self, settlement_id: str) -> Decimal:
        record = self.record_of(settlement_id)
        return max(ZERO, Decimal(record["compensation_owed"]) - Decimal(record["compensation_paid"]))


def _take_claim(record: dict[str, Any], item: dict[str, Any]) -> None:
    """A recalculation that re-read the patient's facts (a late fact) names the claim it settled with
    (`claim`, when it differs from the one frozen at settlement) and the versions it read (`facts`)."""
    if "facts" in item:
        record["current_claim"] = item.get("claim", record["claim"])
        record["current_facts"] = item["facts"]
    elif "claim" in item:
        record["current_claim"] = item["claim"]

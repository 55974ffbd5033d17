"""PaymentRun (批量发放): one run of payments to households from one fund, and the bank's answer.

Created with its lines (one per household, each naming the owed items it pays); the payment file is
rendered from them (domain.payment_file). A bank result records each line paid or failed; a failed line's
items return to owed (FundBudget.ItemsReleased) and a later run selects them again. A line's outcome is
recorded once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import StateConflictError, ValidationError
from domain.money import money_sum

LINE_STATUSES = ("sent", "paid", "failed")


class PaymentRun(Aggregate):
    TOPIC = "ledger:PaymentRun"

    class Created(Aggregate.Created):
        TOPIC = "ledger:PaymentRun.Created"

    @staticmethod
    def create_id(run_id: str) -> UUID:
        return ids.payment_run_id(run_id)

    @event("Opened", topic="ledger:PaymentRun.Opened")
    def __init__(
        self,
        run_id: str,
        fund: str,
        county_code: str,
        year: int,
        through: str,
        run_on: str,
        lines: list[dict[str, Any]],
        total: Decimal,
        left_owed: Decimal,
    ) -> None:
        self.run_id = run_id
        self.fund = fund
        self.county_code = county_code
        self.year = year
        self.through = through
        self.run_on = run_on
        self.lines = lines
        self.total = total
        self.left_owed = left_owed  # owed but not selected (beyond the remaining budget)
        self.status: dict[str, str] = {line["line_id"]: "sent" for line in lines}
        self.outcomes: dict[str, dict[str, str]] = {}

    def line(self, line_id: str) -> dict[str, Any]:
        for line in self.lines:
            if line["line_id"] == line_id:
                return line
        raise ValidationError(f"line_id: run {self.run_id} has no line {line_id}")

    def record_result(self, result_id: str, outcomes: list[dict[str, str]]) -> tuple[list[str], list[str]]:
        """Each outcome {line_id, status paid|failed, bank_reference, reason}; the item keys paid and failed."""
        paid: list[str] = []
        failed: list[str] = []
        seen: set[str] = set()
        for outcome in outcomes:
            line_id, status = outcome["line_id"], outcome["status"]
            line = self.line(line_id)
            if line_id in seen:
                raise ValidationError(f"line_id: {line_id} appears twice in the result")
            seen.add(line_id)
            if self.status[line_id] != "sent":
                raise StateConflictError(f"line {line_id} of run {self.run_id} is already {self.status[line_id]}")
            if status not in ("paid", "failed"):
                raise ValidationError(f"status: {status!r} is not paid or failed")
            if status == "paid" and Decimal(outcome.get("amount") or line["amount"]) != Decimal(line["amount"]):
                raise ValidationError(f"amount: line {line_id} was sent for {line['amount']}, not {outcome['amount']}")
            (paid if status == "paid" else failed).extend(item["key"] for item in line["items"])
        self._result_recorded(result_id=result_id, outcomes=[dict(o) for o in outcomes])
        return paid, failed

    def figures(self) -> dict[str, Any]:
        by_status = {
            s: money_sum(Decimal(ln["amount"]) for ln in self.lines if self.status[ln["line_id"]] == s)
            for s in LINE_STATUSES
        }
        counts = {s: sum(1 for ln in self.lines if self.status[ln["line_id"]] == s) for s in LINE_STATUSES}
        return {
            "run_id": self.run_id,
            "fund": self.fund,
            "county_code": self.county_code,
            "year": self.year,
            "through": self.through,
            "run_on": self.run_on,
            "lines": len(self.lines),
            "total": self.total,
            "left_owed": self.left_owed,
            "sent": by_status["sent"],
            "paid": by_status["paid"],
            "failed": by_status["failed"],
            "counts": counts,
        }

    @event("ResultRecorded", topic="ledger:PaymentRun.ResultRecorded")
    def _result_recorded(self, result_id: str, outcomes: list[dict[str, str]]) -> None:
        for outcome in outcomes:
            self.status[outcome["line_id"]] = outcome["status"]
            self.outcomes[outcome["line_id"]] = outcome


def total_of(lines: list[dict[str, Any]]) -> Decimal:
    return money_sum(Decimal(line["amount"]) for line in lines)

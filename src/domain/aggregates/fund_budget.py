"""FundBudget: one fund's budget for one county-year, and what payment runs committed and paid from it.

The budget itself is an event (BudgetRecorded; a change is a new one, never an edit). Every payment run
of the fund-year commits its items here (ItemsCommitted) and each bank result moves them to paid or back
to owed (ItemsPaid / ItemsReleased), so two runs of the same fund-year can never select the same item:
the second writer collides on this aggregate's version and re-selects on fresh state. Direct spending
(送药上门 deliveries) is recorded as DeliveryRecorded.

    remaining = budget - committed - paid
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import StateConflictError, ValidationError
from domain.money import ZERO, money_sum


class FundBudget(Aggregate):
    TOPIC = "ledger:FundBudget"

    class Created(Aggregate.Created):
        TOPIC = "ledger:FundBudget.Created"

    @staticmethod
    def create_id(fund: str, county_code: str, year: int) -> UUID:
        return ids.fund_budget_id(fund, county_code, year)

    @event("Opened", topic="ledger:FundBudget.Opened")
    def __init__(self, fund: str, county_code: str, year: int) -> None:
        self.fund = fund
        self.county_code = county_code
        self.year = year
        self.budget = ZERO
        self.paid = ZERO
        self.pending: dict[str, dict[str, Decimal]] = {}  # run id -> item key -> amount committed
        self.paid_items: dict[str, Decimal] = {}  # item key -> amount paid by runs
        self.spent = ZERO  # direct spending (deliveries), part of `paid`
        self.deliveries = 0
        self.delivery_patients: dict[str, int] = {}  # patient_ref -> deliveries
        self.by_disease: dict[str, tuple[int, Decimal]] = {}  # disease -> (deliveries, cost)

    # ---- figures -----------------------------------------------------------------------------
    @property
    def committed(self) -> Decimal:
        return money_sum(amount for items in self.pending.values() for amount in items.values())

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed - self.paid

    def pending_on(self, key: str) -> Decimal:
        return money_sum(items.get(key, ZERO) for items in self.pending.values())

    def paid_on(self, key: str) -> Decimal:
        return self.paid_items.get(key, ZERO)

    def figures(self) -> dict[str, Any]:
        return {
            "fund": self.fund,
            "county_code": self.county_code,
            "year": self.year,
            "budget": self.budget,
            "committed": self.committed,
            "paid": self.paid,
            "remaining": self.remaining,
            "open_runs": sorted(self.pending),
        }

    # ---- commands ----------------------------------------------------------------------------
    def record_budget(self, amount: Decimal, reason: str, recorded_on: str) -> None:
        """The fund-year's budget is `amount` from now on; below what is already committed and paid is refused."""
        if amount < self.committed + self.paid:
            raise ValidationError(
                f"amount: budget {amount} is below what is committed ({self.committed}) and paid ({self.paid})"
            )
        self._budget_recorded(amount=amount, reason=reason, recorded_on=recorded_on)

    def commit_items(self, run_id: str, items: dict[str, Decimal]) -> None:
        if run_id in self.pending:
            raise StateConflictError(f"payment run {run_id} already committed items of {self.fund}/{self.year}")
        total = money_sum(items.values())
        if total > self.remaining:
            raise StateConflictError(f"run {run_id}: {total} exceeds the remaining budget {self.remaining}")
        self._items_committed(run_id=run_id, items=dict(sorted(items.items())))

    def settle_items(self, run_id: str, paid: list[str], failed: list[str]) -> None:
        """Move a run's items to paid or release them back to owed (a bank result)."""
        pending = self.pending.get(run_id, {})
        unknown = sorted(set(paid + failed) - set(pending))
        if unknown:
            raise StateConflictError(f"run {run_id} has no open item {unknown[0]}")
        if paid:
            self._items_paid(run_id=run_id, keys=sorted(paid))
        if failed:
            self._items_released(run_id=run_id, keys=sorted(failed))

    def record_delivery(
        self, delivery_ref: str, patient_ref: str, disease: str, drugs: list[str], cost: Decimal, delivered_on: str
    ) -> None:
        """A free drug delivery (送药上门) paid from this budget; at most what remains, each delivery once."""
        if cost > self.remaining:
            raise StateConflictError(
                f"cost: {cost} exceeds the remaining {self.fund} budget {self.remaining} of {self.year}"
            )
        if delivery_ref in self.paid_items:
            raise StateConflictError(f"delivery {delivery_ref} is already recorded in {self.fund}/{self.year}")
        self._delivery_recorded(
            delivery_ref=delivery_ref,
            patient_ref=patient_ref,
            disease=disease,
            drugs=drugs,
            cost=cost,
            delivered_on=delivered_on,
        )

    def delivery_figures(self) -> dict[str, Any]:
        return {
            "deliveries": self.deliveries,
            "patients": len(self.delivery_patients),
            "cost": self.spent,
            "by_disease": {d: {"deliveries": n, "cost": c} for d, (n, c) in sorted(self.by_disease.items())},
        }

    # ---- events ------------------------------------------------------------------------------
    @event("BudgetRecorded", topic="ledger:FundBudget.BudgetRecorded")
    def _budget_recorded(self, amount: Decimal, reason: str, recorded_on: str) -> None:
        self.budget = amount

    @event("ItemsCommitted", topic="ledger:FundBudget.ItemsCommitted")
    def _items_committed(self, run_id: str, items: dict[str, Decimal]) -> None:
        self.pending[run_id] = {key: Decimal(amount) for key, amount in items.items()}

    @event("ItemsPaid", topic="ledger:FundBudget.ItemsPaid")
    def _items_paid(self, run_id: str, keys: list[str]) -> None:
        pending = self.pending[run_id]
        for key in keys:
            amount = pending.pop(key)
            self.paid_items[key] = self.paid_items.get(key, ZERO) + amount
            self.paid += amount
        if not pending:
            del self.pending[run_id]

    @event("ItemsReleased", topic="ledger:FundBudget.ItemsReleased")
    def _items_released(self, run_id: str, keys: list[str]) -> None:
        pending = self.pending[run_id]
        for key in keys:
            pending.pop(key)
        if not pending:
            del self.pending[run_id]

    @event("DeliveryRecorded", topic="ledger:FundBudget.DeliveryRecorded")
    def _delivery_recorded(
        self, delivery_ref: str, patient_ref: str, disease: str, drugs: list[str], cost: Decimal, delivered_on: str
    ) -> None:
        self.paid_items[delivery_ref] = cost
        self.paid += cost
        self.spent += cost
        self.deliveries += 1
        self.delivery_patients[patient_ref] = self.delivery_patients.get(patient_ref, 0) + 1
        count, total = self.by_disease.get(disease, (0, ZERO))
        self.by_disease[disease] = (count + 1, total + cost)

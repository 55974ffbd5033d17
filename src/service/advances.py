"""What each hospital has advanced per fund, folded from the event log itself: the authority behind
"a fund never reimburses a hospital more than it owes".

At the one-stop window a hospital advances every payer's share of a settlement; the advance of fund F at
hospital H is the sum of F's layer amounts over H's `BenefitYear.SettlementRecorded` events. Settlements
are never undone (a recalculation pays the patient directly and leaves advances alone), so the advance
only grows, and reading it before a write can only under-state it: a reimbursement checked against it is
safe even while other hospitals' windows settle concurrently. Reimbursements and deductions live on the
hospital's `HospitalAccount`, which the reimbursement command changes under its version check.

So no settlement writes to a per-hospital aggregate (that would serialise every settlement of a busy
hospital): each process keeps this tally in memory and catches it up from the notification log before
each check (one query for the new settlements since the last check; the first check of a process reads
them all). Settlements staged earlier in the same unit of work (a batch) count too. The API, `ledger
import`, in-process batches and tests all check the same way; no read model is involved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain.aggregates.benefit_year import BenefitYear
from domain.money import ZERO
from service.unit_of_work import current_unit

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

SETTLEMENT_TOPIC = "ledger:BenefitYear.SettlementRecorded"
PAGE_SIZE = 1000


class AdvanceTally:
    """advanced(hospital, fund) from the log, caught up to its head on every call (thread-safe)."""

    def __init__(self, ledger: BenefitLedger) -> None:
        self._ledger = ledger
        self._position = 0  # every notification up to here is counted
        self._advanced: dict[tuple[str, str], Decimal] = {}
        self._lock = threading.Lock()

    def advanced(self, hospital_code: str, fund: str) -> Decimal:
        with self._lock:
            self._catch_up()
            total = self._advanced.get((hospital_code, fund), ZERO)
        return total + self._staged(hospital_code, fund)

    def _catch_up(self) -> None:
        recorder = self._ledger.recorder
        head = recorder.max_notification_id() or 0
        while self._position < head:
            page = recorder.select_notifications(
                start=self._position + 1, limit=PAGE_SIZE, stop=head, topics=[SETTLEMENT_TOPIC]
            )
            self._count(self._ledger.mapper.to_domain_event(n) for n in page)
            self._position = page[-1].id if len(page) == PAGE_SIZE else head

    def _count(self, events: Iterable[Any]) -> None:
        for event in events:
            code = event.hospital["code"]
            for layer in event.settlement["layers"]:
                if layer.get("deferred"):  # paid to the household by a payment run, not advanced
                    continue
                key = (code, layer["payer"])
                self._advanced[key] = self._advanced.get(key, ZERO) + Decimal(layer["amount"])

    @staticmethod
    def _staged(hospital_code: str, fund: str) -> Decimal:
        """Settlements of the open unit of work not saved yet (an earlier command of the same batch)."""
        unit = current_unit()
        if unit is None:
            return ZERO
        total = ZERO
        for aggregate in unit.staged():
            if not isinstance(aggregate, BenefitYear):
                continue
            pending: list[Any] = list(aggregate.pending_events)
            for event in pending:
                if type(event).__name__ == "SettlementRecorded" and event.hospital["code"] == hospital_code:
                    total += sum(
                        (
                            Decimal(layer["amount"])
                            for layer in event.settlement["layers"]
                            if layer["payer"] == fund and not layer.get("deferred")
                        ),
                        ZERO,
                    )
        return total

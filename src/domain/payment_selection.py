"""What a payment run (批量发放) pays: the items owed to households by one fund, within the remaining budget.

Pure: from the patient-years' settlement records and what the fund-year already committed and paid.

* `reassist` (再救助) when the policy pays it after the window (`reassist.payout` "after_year" or
  "periodic"): each settlement's deferred re-assistance layer, as settled (or as it stands now, when a
  recalculation or a reversal lowered it). A later recalculation's increase reaches the patient as "5090"
  compensation (追溯补偿金), never twice. An item already paid beyond what it owes now (a reversed or
  lowered settlement) is a credit netted against the household's next items; never clawed back beyond.
* `s5090`: the retroactive compensation outstanding on each settlement (owed less paid).

An item is `<patient_ref>:<year>:<settlement_id>`, owed = entitlement - paid by runs - committed to open
runs. Items are grouped into one line per household (sorted), and households are taken in order while
their whole line fits the remaining budget; a household that does not fit stays owed (`left_owed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.errors import ValidationError
from domain.money import ZERO, money_sum

RUN_FUNDS = ("reassist", "s5090")


@dataclass(frozen=True)
class OwedItem:
    key: str
    household: str
    patient_ref: str
    year: int
    settlement_id: str
    service_date: str
    amount: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "patient_ref": self.patient_ref,
            "year": self.year,
            "settlement_id": self.settlement_id,
            "service_date": self.service_date,
            "amount": self.amount,
        }


def item_key(patient_ref: str, year: int, settlement_id: str) -> str:
    return f"{patient_ref}:{year}:{settlement_id}"


def _deferred_reassist(settlement: Mapping[str, Any]) -> Decimal:
    return money_sum(
        Decimal(layer["amount"])
        for layer in settlement["layers"]
        if layer["payer"] == "reassist" and layer.get("deferred")
    )


def entitlement(fund: str, record: Mapping[str, Any]) -> Decimal:
    """What `fund` owes the household for one settlement record (before runs).

    再救助: the deferred layer as settled, or as it stands now when a recalculation or a reversal lowered it
    (an increase reaches the patient as "5090" compensation instead, never twice); nothing for a reversed
    settlement (its re-settlement owes afresh)."""
    if fund == "reassist":
        if record.get("reversed"):
            return ZERO
        return min(_deferred_reassist(record["settlement"]), _deferred_reassist(record["current"]))
    if fund == "s5090":
        return max(ZERO, Decimal(record["compensation_owed"]) - Decimal(record["compensation_paid"]))
    raise ValidationError(f"fund: payment runs pay {' or '.join(RUN_FUNDS)}, not {fund}")


def owed_items(
    fund: str,
    years: Iterable[tuple[str, int, list[dict[str, Any]]]],
    through: str,
    paid_on: Callable[[str], Decimal],
    pending_on: Callable[[str], Decimal],
    household_of: Callable[[str], str] = lambda patient_ref: patient_ref,
) -> list[OwedItem]:
    """Every item owed by `fund` on settlements served on or before `through` (ISO date)."""
    items = []
    for patient_ref, year, records in years:
        for record in records:
            service_date = str(record["claim"]["service_date"])
            key = item_key(patient_ref, year, record["settlement_id"])
            already = pending_on(key) + (paid_on(key) if fund == "reassist" else ZERO)
            owed = entitlement(fund, record) - already
            if fund == "reassist" and owed < ZERO:  # paid beyond what it owes now: a credit netted below
                items.append(
                    OwedItem(
                        key, household_of(patient_ref), patient_ref, year, record["settlement_id"], service_date, owed
                    )
                )
                continue
            if record.get("reversed") or service_date > through:
                continue
            if owed > ZERO:
                items.append(
                    OwedItem(
                        key, household_of(patient_ref), patient_ref, year, record["settlement_id"], service_date, owed
                    )
                )
    return sorted(items, key=lambda i: (i.household, i.key))


def select_lines(
    run_id: str, items: list[OwedItem], remaining: Decimal, *, unnetted: list[Decimal] | None = None
) -> tuple[list[dict[str, Any]], Decimal]:
    """One line per household, in household order, while each whole line fits; and what is left owed.

    A credit (an item paid beyond what it owes now, negative) is netted against the household's items owed:
    the line pays the difference and carries the credit as a negative item, so the fund's paid items come
    back to what is owed. A household whose credit covers all it is owed gets no line; what the credit
    exceeds is never clawed back (appended to `unnetted`, the run reports it)."""
    by_household: dict[str, list[OwedItem]] = {}
    for item in items:
        by_household.setdefault(item.household, []).append(item)
    lines: list[dict[str, Any]] = []
    left = ZERO
    for household in sorted(by_household):
        group = by_household[household]
        amount = money_sum(i.amount for i in group)
        if amount <= ZERO:
            if unnetted is not None:
                unnetted.append(-amount)
            continue
        if amount > remaining:
            left += amount
            continue
        remaining -= amount
        lines.append(
            {
                "line_id": f"{run_id}:{len(lines) + 1:05d}",
                "household": household,
                "patient_refs": sorted({i.patient_ref for i in group}),
                "items": [i.to_dict() for i in group],
                "amount": amount,
            }
        )
    return lines, left

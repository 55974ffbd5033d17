""" "5090" retroactive compensation (追溯补偿): per settlement and per patient, owed minus paid.

A RecalculationRecorded item says what the patient is owed for a settlement now (what they
paid at settlement minus what the recalculated settlement asks; it replaces any earlier figure).
RetroactiveCompensationPaid events pay it down; an item whose outstanding reaches zero is closed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from projections.projection import Projection, merge
from projections.store import ViewStore
from projections.subjects import SubjectIndex
from projections.tables import Table, money
from projections.view import View, reading

ZERO = Decimal("0.00")
YEARS = SubjectIndex("retro_subjects", ("benefit_year",))
ITEMS = Table(
    "retro_items",
    (
        ("settlement_id", "text"),
        ("patient_ref", "text"),
        ("year", "int"),
        ("county_code", "text"),
        ("admission_ref", "text"),
        ("patient_share_original", "money"),
        ("patient_share_current", "money"),
        ("owed", "money"),
        ("paid", "money"),
        ("outstanding", "money"),
        ("status", "text"),
        ("policy_version_before", "text"),
        ("policy_version_current", "text"),
        ("recalculations", "count"),
        ("last_recalculated_at", "text"),
        ("payments", "count"),
        ("last_paid_on", "date"),
    ),
    key=("settlement_id",),
    indexes=(("patient_ref", "year"), ("county_code", "status")),
)
PAYMENTS = Table(
    "retro_payments",
    (
        ("position", "int"),
        ("settlement_id", "text"),
        ("patient_ref", "text"),
        ("year", "int"),
        ("amount", "money"),
        ("paid_on", "date"),
        ("reference", "text"),
        ("recorded_at", "timestamp"),
    ),
    key=("position",),
    indexes=(("settlement_id",), ("patient_ref",)),
)


def _status(owed: Decimal, paid: Decimal) -> tuple[Decimal, str]:
    outstanding = max(ZERO, owed - paid)
    return outstanding, ("open" if outstanding > ZERO else "closed")


def on_recalculation(view: View, e: Any) -> None:
    year = YEARS.of(view, e.originator_id)
    for item in e.items:
        owed = money(item["compensation_owed"])
        row = view.get(ITEMS, {"settlement_id": item["settlement_id"]})
        if row is None and owed == ZERO:
            continue  # nothing owed, never was: not an item
        paid = row["paid"] if row else ZERO
        outstanding, status = _status(owed, paid)
        view.add(
            ITEMS,
            {"settlement_id": item["settlement_id"]},
            {"recalculations": 1},
            {
                "patient_ref": year["patient_ref"],
                "year": year["year"],
                "county_code": year["county_code"],
                "admission_ref": item["settlement_id"].rsplit("#", 1)[0],
                "patient_share_original": money(item["patient_share_original"]),
                "patient_share_current": money(item["patient_share_after"]),
                "owed": owed,
                "outstanding": outstanding,
                "status": status,
                "policy_version_before": row["policy_version_before"] if row else item["policy_version_before"],
                "policy_version_current": item["policy_version_after"],
                "last_recalculated_at": e.recalculated_at,
            },
        )


def on_paid(view: View, e: Any) -> None:
    year = YEARS.of(view, e.originator_id)
    row = view.get(ITEMS, {"settlement_id": e.settlement_id})
    if row is None:
        raise LookupError(f"retro_items: payment for {e.settlement_id}, which nothing made owed")
    amount = money(e.amount)
    outstanding, status = _status(row["owed"], row["paid"] + amount)
    view.add(
        ITEMS,
        {"settlement_id": e.settlement_id},
        {"paid": amount, "payments": 1},
        {"outstanding": outstanding, "status": status, "last_paid_on": e.paid_on},
    )
    view.insert(
        PAYMENTS,
        {
            "position": view.position,
            "settlement_id": e.settlement_id,
            "patient_ref": year["patient_ref"],
            "year": year["year"],
            "amount": amount,
            "paid_on": e.paid_on,
            "reference": e.reference,
            "recorded_at": e.timestamp,
        },
    )


PROJECTION = Projection(
    "retro_compensation",
    (YEARS.table, ITEMS, PAYMENTS),
    merge(
        YEARS.handlers,
        {
            "ledger:BenefitYear.RecalculationRecorded": on_recalculation,
            "ledger:BenefitYear.RetroactiveCompensationPaid": on_paid,
        },
    ),
    description="5090 retroactive compensation owed, paid and outstanding per settlement and patient",
)


# ---- queries ----------------------------------------------------------------------------------
def _items_where(patient_ref: str | None, outstanding_only: bool, county_code: str | None) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if patient_ref is not None:
        where["patient_ref"] = patient_ref
    if county_code is not None:
        where["county_code"] = county_code
    if outstanding_only:
        where["status"] = "open"
    return where


_ITEM_ORDER = ("patient_ref", "year", "settlement_id")


def retro_items(
    store: ViewStore, patient_ref: str | None = None, outstanding_only: bool = False, county_code: str | None = None
) -> list[dict[str, Any]]:
    with reading(store) as view:
        return view.select(ITEMS, _items_where(patient_ref, outstanding_only, county_code), order_by=_ITEM_ORDER)


def retro_items_page(
    store: ViewStore, *, limit: int, offset: int, patient_ref: str | None = None, outstanding_only: bool = False
) -> tuple[int, list[dict[str, Any]]]:
    """(how many items match, one page of them): the page is cut in SQL."""
    where = _items_where(patient_ref, outstanding_only, None)
    with reading(store) as view:
        return view.count(ITEMS, where), view.select(ITEMS, where, order_by=_ITEM_ORDER, limit=limit, offset=offset)


def retro_by_patient(store: ViewStore, patient_ref: str | None = None) -> list[dict[str, Any]]:
    """Per patient: items, owed, paid and outstanding (summed exactly)."""
    out: dict[str, dict[str, Any]] = {}
    for item in retro_items(store, patient_ref):
        row = out.setdefault(
            item["patient_ref"],
            {
                "patient_ref": item["patient_ref"],
                "items": 0,
                "open_items": 0,
                "owed": ZERO,
                "paid": ZERO,
                "outstanding": ZERO,
            },
        )
        row["items"] += 1
        row["open_items"] += item["status"] == "open"
        for f in ("owed", "paid", "outstanding"):
            row[f] += item[f]
    return list(out.values())


def retro_payments(store: ViewStore, settlement_id: str) -> list[dict[str, Any]]:
    with reading(store) as view:
        return view.select(PAYMENTS, {"settlement_id": settlement_id})

"""County dashboard detail: figures per township and month, and the months restated after they closed.

Kept apart from `county_dashboard` (its own tables and handlers, rebuilt on its own), so the county
figures' write path is untouched by it.

* `township_months`: per county, year, month (of the service date) and the patient's township
  (as registered): person-times, costs and what each payer paid, as the settlements stand now (a
  retroactive recalculation restates the month of the settlement it changes, as in county_dashboard).
* `restated_months`: every retroactive recalculation that changed a settlement of a month **after that
  month had closed** (a month closes at the end of its last day, Beijing time), with the time the ledger
  recorded it and what it changed in that month (settlements, compensation, patient share). A closed
  month's figures never change silently: the dashboard lists these restatements.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from projections.annual_totals import PAYERS
from projections.county_dashboard import _amounts
from projections.projection import Projection, merge
from projections.store import ViewStore
from projections.subjects import SubjectIndex
from projections.tables import Table
from projections.view import View, reading

CHINA = timezone(timedelta(hours=8))
ZERO = Decimal("0.00")
SUBJECTS = SubjectIndex("detail_subjects", ("patient", "benefit_year"))
_AMOUNTS = ("total_cost", "compensation", *(f"paid_{p}" for p in PAYERS), "patient_share", "hospital_borne")
PATIENT_TOWNSHIPS = Table(
    "detail_patient_townships",
    (("patient_ref", "text"), ("county_code", "text"), ("township", "text")),
    key=("patient_ref",),
)
SETTLEMENTS = Table(
    "detail_settlements",
    (
        ("settlement_id", "text"),
        ("county_code", "text"),
        ("township", "text"),
        ("year", "int"),
        ("month", "int"),
        *((a, "money") for a in _AMOUNTS),
    ),
    key=("settlement_id",),
)
TOWNSHIP_MONTHS = Table(
    "township_months",
    (
        ("county_code", "text"),
        ("year", "int"),
        ("month", "int"),
        ("township", "text"),
        ("person_times", "count"),
        ("inpatient_times", "count"),
        ("in_county_times", "count"),
        *((a, "money") for a in _AMOUNTS),
    ),
    key=("county_code", "year", "month", "township"),
)
RESTATED_MONTHS = Table(
    "restated_months",
    (
        ("county_code", "text"),
        ("year", "int"),
        ("month", "int"),
        ("position", "int"),  # notification id of the recalculation
        ("recorded_at", "timestamp"),
        ("closed_at", "timestamp"),
        ("reason", "text"),
        ("settlements", "count"),
        ("total_cost_change", "money"),
        ("compensation_change", "money"),
        ("patient_share_change", "money"),
    ),
    key=("county_code", "year", "month", "position"),
    indexes=(("county_code", "year"),),
)
UNKNOWN_TOWNSHIP = "（未登记乡镇）"


def month_closed_at(year: int, month: int) -> datetime:
    """The moment a month closes: midnight at the start of the next month, Beijing time."""
    last = calendar.monthrange(year, month)[1]
    return datetime(year, month, last, tzinfo=CHINA) + timedelta(days=1)


def on_registered(view: View, e: Any) -> None:
    view.upsert(
        PATIENT_TOWNSHIPS,
        {"patient_ref": e.patient_ref, "county_code": e.county_code, "township": e.township or UNKNOWN_TOWNSHIP},
    )


def on_settlement(view: View, e: Any) -> None:
    year = SUBJECTS.of(view, e.originator_id)
    found = view.get(PATIENT_TOWNSHIPS, {"patient_ref": year["patient_ref"]})
    township = found["township"] if found else UNKNOWN_TOWNSHIP
    claim, day = e.claim, e.claim["service_date"]
    key = {"county_code": year["county_code"], "year": int(day[:4]), "month": int(day[5:7])}
    amounts = _amounts(e.settlement)
    view.insert(SETTLEMENTS, {"settlement_id": e.settlement_id, **key, "township": township, **amounts})
    counts = {
        "person_times": 1,
        "inpatient_times": int(claim["kind"] == "inpatient"),
        "in_county_times": int(bool(claim["in_county"])),
    }
    view.add(TOWNSHIP_MONTHS, {**key, "township": township}, {**counts, **amounts})


def on_recalculation(view: View, e: Any) -> None:
    recorded_at = e.timestamp if e.timestamp.tzinfo else e.timestamp.replace(tzinfo=UTC)
    restated: dict[tuple[int, int], dict[str, Any]] = {}
    for item in e.items:
        before = view.get(SETTLEMENTS, {"settlement_id": item["settlement_id"]})
        assert before is not None, item["settlement_id"]
        after = _amounts(item["settlement"])
        delta = {a: after[a] - before[a] for a in _AMOUNTS}
        if not any(delta.values()):
            continue
        view.update(SETTLEMENTS, {"settlement_id": item["settlement_id"]}, after)
        key = {k: before[k] for k in ("county_code", "year", "month", "township")}
        view.add(TOWNSHIP_MONTHS, key, delta)
        if recorded_at >= month_closed_at(before["year"], before["month"]):
            restating = restated.setdefault(
                (before["year"], before["month"]),
                {"county_code": before["county_code"], "settlements": 0, "total": ZERO, "comp": ZERO, "patient": ZERO},
            )
            restating["settlements"] += 1
            restating["total"] += delta["total_cost"]
            restating["comp"] += delta["compensation"]
            restating["patient"] += delta["patient_share"]
    for (year, month), change in sorted(restated.items()):
        view.insert(
            RESTATED_MONTHS,
            {
                "county_code": change["county_code"],
                "year": year,
                "month": month,
                "position": view.position,
                "recorded_at": recorded_at.isoformat(),
                "closed_at": month_closed_at(year, month).isoformat(),
                "reason": str(getattr(e, "reason", "") or ""),
                "settlements": change["settlements"],
                "total_cost_change": change["total"],
                "compensation_change": change["comp"],
                "patient_share_change": change["patient"],
            },
        )


def on_reversal(view: View, e: Any) -> None:
    """反结算 / 骗保: restated like a recalculation (a closed month shows the restatement); the reversed
    settlement no longer counts as a person-time."""
    on_recalculation(view, e)
    row = view.get(SETTLEMENTS, {"settlement_id": e.settlement_id})
    if row is not None:
        view.add(
            TOWNSHIP_MONTHS,
            {k: row[k] for k in ("county_code", "year", "month", "township")},
            {"person_times": -1},
        )


PROJECTION = Projection(
    "county_detail",
    (SUBJECTS.table, PATIENT_TOWNSHIPS, SETTLEMENTS, TOWNSHIP_MONTHS, RESTATED_MONTHS),
    merge(
        SUBJECTS.handlers,
        {
            "ledger:Patient.Registered": on_registered,
            "ledger:BenefitYear.SettlementRecorded": on_settlement,
            "ledger:BenefitYear.RecalculationRecorded": on_recalculation,
            "ledger:BenefitYear.SettlementReversed": on_reversal,
        },
    ),
    description="per county, township and month; months restated after they closed",
)


# ---- queries ----------------------------------------------------------------------------------
def township_breakdown(
    store: ViewStore, county_code: str, year: int, first: int = 1, last: int = 12
) -> list[dict[str, Any]]:
    """Per township, the figures of months first..last, with the actual compensation ratio; by compensation."""
    from projections.county_dashboard import ratio

    with reading(store) as view:
        rows = view.select(TOWNSHIP_MONTHS, {"county_code": county_code, "year": year})
    sums: dict[str, dict[str, Any]] = {}
    counts = [c for c, kind in TOWNSHIP_MONTHS.columns if kind == "count"]
    for row in rows:
        if not first <= row["month"] <= last:
            continue
        total = sums.setdefault(row["township"], {**dict.fromkeys(counts, 0), **dict.fromkeys(_AMOUNTS, ZERO)})
        for column in (*counts, *_AMOUNTS):
            total[column] += row[column]
    result = [
        {
            "township": township,
            **figures,
            "compensation_by_payer": {p: figures[f"paid_{p}"] for p in PAYERS},
            "actual_compensation_ratio": ratio(figures["compensation"], figures["total_cost"]),
            "in_county_visit_rate": ratio(figures["in_county_times"], figures["person_times"]),
        }
        for township, figures in sums.items()
    ]
    return sorted(result, key=lambda r: (-r["compensation"], r["township"]))


def restated_months(store: ViewStore, county_code: str, year: int) -> list[dict[str, Any]]:
    """The restatements of the year's closed months, in the order they were recorded."""
    with reading(store) as view:
        rows = view.select(RESTATED_MONTHS, {"county_code": county_code, "year": year})
    for row in rows:  # one spelling on both stores: UTC
        for column in ("recorded_at", "closed_at"):
            row[column] = datetime.fromisoformat(row[column]).astimezone(UTC).isoformat()
    return sorted(rows, key=lambda r: (r["position"], r["month"]))

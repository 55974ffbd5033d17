"""Bulletin figures per hospital: per county, year, month (of the service date) and hospital, as the
settlements stand now (a retroactive recalculation restates the month of the settlement it changes).

Its own projection (`bulletin_hospitals`: subject, settlement and month tables, rebuilt on its own), so the
dashboard projections' write paths are untouched. County = the patient-year's county; hospital = the
admission's hospital as recorded in the settlement event (code, name, tier).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from projections.annual_totals import PAYERS
from projections.county_dashboard import _amounts, ratio
from projections.projection import Projection, merge
from projections.store import ViewStore
from projections.subjects import SubjectIndex
from projections.tables import Table
from projections.view import View, reading

ZERO = Decimal("0.00")
SUBJECTS = SubjectIndex("bh_subjects", ("benefit_year",))
_AMOUNTS = ("total_cost", "compensation", *(f"paid_{p}" for p in PAYERS), "patient_share", "hospital_borne")
SETTLEMENTS = Table(
    "bh_settlements",
    (
        ("settlement_id", "text"),
        ("county_code", "text"),
        ("year", "int"),
        ("month", "int"),
        ("hospital_code", "text"),
        *((a, "money") for a in _AMOUNTS),
    ),
    key=("settlement_id",),
)
HOSPITAL_MONTHS = Table(
    "hospital_months",
    (
        ("county_code", "text"),
        ("year", "int"),
        ("month", "int"),
        ("hospital_code", "text"),
        ("hospital_name", "text"),
        ("tier", "text"),
        ("person_times", "count"),
        ("inpatient_times", "count"),
        ("in_county_times", "count"),
        *((a, "money") for a in _AMOUNTS),
    ),
    key=("county_code", "year", "month", "hospital_code"),
)


def on_settlement(view: View, e: Any) -> None:
    year = SUBJECTS.of(view, e.originator_id)
    claim, day, hospital = e.claim, e.claim["service_date"], e.hospital
    key = {"county_code": year["county_code"], "year": int(day[:4]), "month": int(day[5:7])}
    amounts = _amounts(e.settlement)
    view.insert(SETTLEMENTS, {"settlement_id": e.settlement_id, **key, "hospital_code": hospital["code"], **amounts})
    counts = {
        "person_times": 1,
        "inpatient_times": int(claim["kind"] == "inpatient"),
        "in_county_times": int(bool(claim["in_county"])),
    }
    view.add(
        HOSPITAL_MONTHS,
        {**key, "hospital_code": hospital["code"]},
        {**counts, **amounts},
        {"hospital_name": str(hospital.get("name") or hospital["code"]), "tier": str(hospital.get("tier") or "")},
    )


def on_recalculation(view: View, e: Any) -> None:
    for item in e.items:
        before = view.get(SETTLEMENTS, {"settlement_id": item["settlement_id"]})
        assert before is not None, item["settlement_id"]
        after = _amounts(item["settlement"])
        delta = {a: after[a] - before[a] for a in _AMOUNTS}
        if any(delta.values()):
            view.update(SETTLEMENTS, {"settlement_id": item["settlement_id"]}, after)
            view.add(HOSPITAL_MONTHS, {k: before[k] for k in ("county_code", "year", "month", "hospital_code")}, delta)


PROJECTION = Projection(
    "bulletin_hospitals",
    (SUBJECTS.table, SETTLEMENTS, HOSPITAL_MONTHS),
    merge(
        SUBJECTS.handlers,
        {
            "ledger:BenefitYear.SettlementRecorded": on_settlement,
            "ledger:BenefitYear.RecalculationRecorded": on_recalculation,
        },
    ),
    description="per county, month and hospital: the bulletin's hospital figures",
)


def hospital_breakdown(
    store: ViewStore, county_code: str, year: int, first: int = 1, last: int = 12
) -> list[dict[str, Any]]:
    """Per hospital, the figures of months first..last with the actual compensation ratio; by compensation."""
    with reading(store) as view:
        rows = view.select(HOSPITAL_MONTHS, {"county_code": county_code, "year": year})
    counts = [c for c, kind in HOSPITAL_MONTHS.columns if kind == "count"]
    sums: dict[str, dict[str, Any]] = {}
    for row in rows:
        if not first <= row["month"] <= last:
            continue
        total = sums.setdefault(
            row["hospital_code"],
            {
                "hospital_name": row["hospital_name"],
                "tier": row["tier"],
                **dict.fromkeys(counts, 0),
                **dict.fromkeys(_AMOUNTS, ZERO),
            },
        )
        for column in (*counts, *_AMOUNTS):
            total[column] += row[column]
    result = [
        {
            "hospital_code": code,
            **figures,
            "compensation_by_payer": {p: figures[f"paid_{p}"] for p in PAYERS},
            "actual_compensation_ratio": ratio(figures["compensation"], figures["total_cost"]),
            "in_county_visit_rate": ratio(figures["in_county_times"], figures["person_times"]),
        }
        for code, figures in sums.items()
    ]
    return sorted(result, key=lambda r: (-r["compensation"], r["hospital_code"]))

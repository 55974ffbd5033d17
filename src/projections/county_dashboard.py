"""County dashboard: the Langxi report's figures and the Hainan action plan's rates, per county and month.

Money figures (person-times, total cost, compensation by payer...) are kept per county, year and
month of the service date (discharge or visit day), as the settlements stand now (a retroactive
recalculation restates the month of the settlement it changes). County = the patient-year's
county. Rates are computed at query time from these sums and from per-patient facts:
  actual compensation ratio      = compensation / total cost
  in-county visit rate           = in-county person-times / person-times
  in-province inpatient ratio    = compensation / total cost of in-province inpatient settlements
  major-disease treatment rate   = patients with a major disease confirmed by the period end who had
                                   a settled inpatient admission in the period / those patients
  chronic-disease contract rate  = patients certified for a chronic disease during the period with a
                                   family-doctor contract signed by its end / those patients
Hainan's 慢病签约服务管理 rates (module health_rates), over the poor patients of the county (status in
force at the period end one of the policy's poor statuses):
  health-card rate               = poor patients with a health card issued by the period end / poor patients
  check-up rate                  = poor patients with a health check-up from 1 January to the period end / poor
  poor contract rate             = poor patients with a family-doctor contract signed by the end / poor
  follow-up schedule rate        = contracted patients with a risk class (high-risk / ordinary) in force at the
                                   end whose follow-ups from 1 January reach the policy's yearly schedule,
                                   pro rata to the period end (ceil(due x months / 12)) / those patients
Ratios are Decimals rounded half-up to 4 places (0.8876 = 88.76 %), None when nothing to divide.
"""

from __future__ import annotations

import calendar
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from projections.annual_totals import PAYERS, figures
from projections.health_rates import HealthProgramme, health_rates
from projections.projection import Projection, merge
from projections.store import ViewStore
from projections.subjects import SubjectIndex
from projections.tables import Table
from projections.view import View, reading

ZERO = Decimal("0.00")
SUBJECTS = SubjectIndex("dashboard_subjects", ("patient", "benefit_year"))
_PAID = tuple(f"paid_{p}" for p in PAYERS)
_AMOUNTS = ("total_cost", "compensation", *_PAID, "patient_share", "hospital_borne")
MONTHS = Table(
    "dashboard_months",
    (
        ("county_code", "text"),
        ("year", "int"),
        ("month", "int"),
        ("person_times", "count"),
        ("inpatient_times", "count"),
        ("in_county_times", "count"),
        *((a, "money") for a in _AMOUNTS),
        ("inprov_inpatient_cost", "money"),
        ("inprov_inpatient_compensation", "money"),
        ("follow_ups", "count"),
    ),
    key=("county_code", "year", "month"),
)
SETTLEMENTS = Table(
    "dashboard_settlements",
    (
        ("settlement_id", "text"),
        ("patient_ref", "text"),
        ("county_code", "text"),
        ("service_date", "date"),
        ("year", "int"),
        ("month", "int"),
        ("kind", "text"),
        ("in_county", "bool"),
        ("in_province", "bool"),
        *((a, "money") for a in _AMOUNTS),
    ),
    key=("settlement_id",),
    indexes=(("patient_ref", "service_date"),),
)
FACTS = Table(
    "dashboard_patient_facts",
    (("patient_ref", "text"), ("fact", "text"), ("subject", "text"), ("start_on", "date"), ("end_on", "date")),
    key=("patient_ref", "fact", "subject"),
    indexes=(("fact", "start_on"),),
)


def _amounts(settlement: dict[str, Any]) -> dict[str, Decimal]:
    f = figures(settlement)
    return {
        "total_cost": f["total_cost"],
        "compensation": f["payer_total"],
        **{p: f[p] for p in _PAID},
        "patient_share": f["patient_share"],
        "hospital_borne": f["hospital_borne"],
    }


def _inprov(row: dict[str, Any], amounts: dict[str, Decimal]) -> dict[str, Decimal]:
    counts = row["kind"] == "inpatient" and row["in_province"]
    return {
        "inprov_inpatient_cost": amounts["total_cost"] if counts else ZERO,
        "inprov_inpatient_compensation": amounts["compensation"] if counts else ZERO,
    }


def on_settlement(view: View, e: Any) -> None:
    year = SUBJECTS.of(view, e.originator_id)
    claim, day = e.claim, e.claim["service_date"]
    row = {
        "settlement_id": e.settlement_id,
        "patient_ref": year["patient_ref"],
        "county_code": year["county_code"],
        "service_date": day,
        "year": int(day[:4]),
        "month": int(day[5:7]),
        "kind": claim["kind"],
        "in_county": bool(claim["in_county"]),
        "in_province": bool(claim["in_province"]),
    }
    amounts = _amounts(e.settlement)
    view.insert(SETTLEMENTS, {**row, **amounts})
    counts = {
        "person_times": 1,
        "inpatient_times": int(row["kind"] == "inpatient"),
        "in_county_times": int(row["in_county"]),
    }
    view.add(
        MONTHS,
        {"county_code": row["county_code"], "year": row["year"], "month": row["month"]},
        {**counts, **amounts, **_inprov(row, amounts)},
    )


def on_recalculation(view: View, e: Any) -> None:
    for item in e.items:
        before = view.get(SETTLEMENTS, {"settlement_id": item["settlement_id"]})
        assert before is not None, item["settlement_id"]
        after = _amounts(item["settlement"])
        delta = {a: after[a] - before[a] for a in _AMOUNTS}
        if any(delta.values()):
            view.update(SETTLEMENTS, {"settlement_id": item["settlement_id"]}, after)
            view.add(
                MONTHS, {k: before[k] for k in ("county_code", "year", "month")}, {**delta, **_inprov(before, delta)}
            )


def on_reversal(view: View, e: Any) -> None:
    """反结算 / 骗保: restated like a recalculation; the reversed settlement no longer counts as a person-time."""
    on_recalculation(view, e)
    row = view.get(SETTLEMENTS, {"settlement_id": e.settlement_id})
    if row is not None:
        counts = {
            "person_times": -1,
            "inpatient_times": -int(row["kind"] == "inpatient"),
            "in_county_times": -int(bool(row["in_county"])),
        }
        view.add(MONTHS, {k: row[k] for k in ("county_code", "year", "month")}, counts)


def on_fact(fact: str, start: str, subject: str | None = None) -> Any:
    def handle(view: View, e: Any) -> None:
        patient_ref = SUBJECTS.of(view, e.originator_id)["patient_ref"]
        view.upsert(
            FACTS,
            {
                "patient_ref": patient_ref,
                "fact": fact,
                "subject": getattr(e, subject) if subject else str(view.position),
                "start_on": getattr(e, start),
                "end_on": getattr(e, "valid_to", None),
            },
        )

    return handle


def on_chronic_revoked(view: View, e: Any) -> None:
    patient_ref = SUBJECTS.of(view, e.originator_id)["patient_ref"]
    view.update(FACTS, {"patient_ref": patient_ref, "fact": "chronic", "subject": e.disease}, {"end_on": e.revoked_on})


def on_follow_up(view: View, e: Any) -> None:
    subject = SUBJECTS.of(view, e.originator_id)
    day = e.followed_up_on
    view.add(
        MONTHS, {"county_code": subject["county_code"], "year": int(day[:4]), "month": int(day[5:7])}, {"follow_ups": 1}
    )
    view.upsert(
        FACTS,
        {"patient_ref": subject["patient_ref"], "fact": "follow_up", "subject": str(view.position), "start_on": day},
    )


def on_poverty_status(view: View, e: Any) -> None:
    """Every status record, in log order: the one in force on a day is the latest effective_from on or before it."""
    patient_ref = SUBJECTS.of(view, e.originator_id)["patient_ref"]
    view.upsert(
        FACTS,
        {
            "patient_ref": patient_ref,
            "fact": f"status:{e.status}",
            "subject": f"{view.position:012d}",
            "start_on": e.effective_from,
        },
    )


def on_risk(view: View, e: Any) -> None:
    patient_ref = SUBJECTS.of(view, e.originator_id)["patient_ref"]
    view.upsert(
        FACTS,
        {
            "patient_ref": patient_ref,
            "fact": f"risk:{e.risk}",
            "subject": f"{view.position:012d}",
            "start_on": e.classified_on,
        },
    )


PROJECTION = Projection(
    "county_dashboard",
    (SUBJECTS.table, MONTHS, SETTLEMENTS, FACTS),
    merge(
        SUBJECTS.handlers,
        {
            "ledger:BenefitYear.SettlementRecorded": on_settlement,
            "ledger:BenefitYear.RecalculationRecorded": on_recalculation,
            "ledger:BenefitYear.SettlementReversed": on_reversal,
            "ledger:Patient.MajorDiseaseConfirmed": on_fact("major", "confirmed_on", "disease"),
            "ledger:Patient.ChronicDiseaseCertified": on_fact("chronic", "valid_from", "disease"),
            "ledger:Patient.ChronicDiseaseRevoked": on_chronic_revoked,
            "ledger:Patient.FamilyDoctorContractSigned": on_fact("contract", "signed_on"),
            "ledger:Patient.FollowUpRecorded": on_follow_up,
            "ledger:Patient.PovertyStatusRegistered": on_poverty_status,
            "ledger:Patient.PovertyStatusChanged": on_poverty_status,
            "ledger:Patient.HealthCardIssued": on_fact("health_card", "issued_on", "card_no"),
            "ledger:Patient.HealthCheckUpRecorded": on_fact("check_up", "checked_on", "checked_on"),
            "ledger:Patient.ChronicRiskClassified": on_risk,
        },
    ),
    version=2,  # 2: poverty statuses, health cards, check-ups, risk classes and each follow-up as facts
    description="per county and month: Langxi report figures and Hainan action-plan rates",
)


# ---- queries ----------------------------------------------------------------------------------
def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


_PATIENTS = (
    "SELECT DISTINCT f.patient_ref FROM {facts} f JOIN {subjects} s ON s.kind = 'patient' "
    "AND s.ref = f.patient_ref WHERE s.county_code = ? AND f.fact = ? AND f.start_on <= ?"
)
_TREATED = (
    f"SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM {{settlements}} d WHERE d.patient_ref = "
    f"m.patient_ref AND d.kind = 'inpatient' AND d.service_date >= ? AND d.service_date <= ?) "
    f"THEN 1 ELSE 0 END) FROM ({_PATIENTS}) m"
)
_CONTRACTED = (
    f"SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM {{facts}} c WHERE c.patient_ref = "
    f"m.patient_ref AND c.fact = 'contract' AND c.start_on <= ?) THEN 1 ELSE 0 END) "
    f"FROM ({_PATIENTS} AND (f.end_on IS NULL OR f.end_on >= ?)) m"
)


def period_months(month: int | None = None, quarter: int | None = None, cumulative: bool = False) -> tuple[int, int]:
    """(first, last) month of a year, a month, a quarter, or (cumulative) the year to the end of either."""
    if month is not None and quarter is not None:
        raise ValueError("give a month or a quarter, not both")
    last = month if month is not None else 3 * quarter if quarter is not None else 12
    first = 1 if cumulative or (month is None and quarter is None) else month or last - 2
    return first, last


def county_dashboard(
    store: ViewStore,
    county_code: str,
    year: int,
    month: int | None = None,
    cumulative: bool = False,
    quarter: int | None = None,
    programme: HealthProgramme | None = None,
) -> dict[str, Any]:
    """Figures for a year, a month, a quarter, or (cumulative=True) the year to the end of either.

    `programme`: the poor statuses and the follow-up schedule of the county's policy in force at the
    period end (None: the four poor categories, and no schedule, so no follow-up schedule rate)."""
    first, last = period_months(month, quarter, cumulative)
    start, end = f"{year}-{first:02d}-01", f"{year}-{last:02d}-{calendar.monthrange(year, last)[1]:02d}"
    with reading(store) as view:
        rows = [
            r for r in view.select(MONTHS, {"county_code": county_code, "year": year}) if first <= r["month"] <= last
        ]
        tables = {"facts": FACTS, "subjects": SUBJECTS.table, "settlements": SETTLEMENTS}
        major, treated = view.rows(_TREATED, [start, end, county_code, "major", end], **tables)[0]
        chronic, contracted = view.rows(_CONTRACTED, [end, county_code, "chronic", end, start], **tables)[0]
        health = health_rates(view, FACTS, SUBJECTS.table, county_code, year, last, end, programme)
    sums: dict[str, Any] = {c: sum((r[c] for r in rows), 0) for c, kind in MONTHS.columns if kind == "count"}
    sums.update({c: sum((r[c] for r in rows), ZERO) for c, kind in MONTHS.columns if kind == "money"})
    return {
        "county_code": county_code,
        "year": year,
        "month": month,
        "quarter": quarter,
        "period": [start, end],
        **sums,
        "compensation_by_payer": {p: sums[f"paid_{p}"] for p in PAYERS},
        "actual_compensation_ratio": ratio(sums["compensation"], sums["total_cost"]),
        "in_county_visit_rate": ratio(sums["in_county_times"], sums["person_times"]),
        "in_province_inpatient_ratio": ratio(sums["inprov_inpatient_compensation"], sums["inprov_inpatient_cost"]),
        "major_disease_patients": int(major or 0),
        "major_disease_treated": int(treated or 0),
        "major_disease_treatment_rate": ratio(int(treated or 0), int(major or 0)),
        "chronic_patients": int(chronic or 0),
        "chronic_contracted": int(contracted or 0),
        "chronic_contract_rate": ratio(int(contracted or 0), int(chronic or 0)),
        **health,
    }


def county_months(store: ViewStore, county_code: str, year: int) -> list[dict[str, Any]]:
    with reading(store) as view:
        return view.select(MONTHS, {"county_code": county_code, "year": year})

"""Patient-years pending recalculation: a fact recorded after a settlement but effective on or before its
service date (a late fact), not yet answered by a recalculation.

A late fact is one of:

* the patient's own facts: a poverty status registered or changed, a chronic-disease certificate issued
  or revoked, a major disease confirmed, a Hainan treatment plan (诊疗方案) recorded (effective from its
  date: `effective_from`, `valid_from`, `revoked_on`, `confirmed_on`, `decided_on`); it touches that
  patient's settlements with a service date on or after it;
* a hospital-registry correction (`RegisteredHospital.Changed` over its effective dates, or `Closed`
  after its last day); it touches the settlements of that hospital whose service date it covers;
* a policy version listed with an `effective_from` on or before already-settled service dates of its
  region;
* a catalogue (三目录) version published (`CatalogueRegister.VersionPublished`) with an `effective_from` on or
  before already-settled service dates of its region (fact `catalogue`: a recalculation that re-reads the facts
  re-classifies the catalogue-classified lines by the version in force as known at its `known_at`).

Each (patient-year, fact) pair is a row of `pending_facts`; it is `pending` until the patient-year has a
recalculation recorded after it that re-read the facts (a `RecalculationRecorded` whose items carry
`facts`, or a `RecalculationChecked`: the trace a recalculation that changed nothing leaves), then
`applied`; a catalogue fact only by one that knew the version (its `known_at` on or after the version's
publication: one as of an earlier moment re-classified without it). A policy fact is also answered by any
recalculation that knew the version (its `known_at` on or after the version's publication), and by the region run of that version
(`PolicyVersion.RegionRecalculated`: every patient-year it can affect was re-settled, changed or not). Settlements are recorded before the fact in
log order, so every settlement the table holds when the fact arrives was recorded before it.

Handlers read only events and this projection's own tables (rebuildable, exactly once like the others).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from projections.projection import Projection, merge
from projections.store import ViewStore
from projections.subjects import SubjectIndex
from projections.tables import Table
from projections.view import View, reading

SUBJECTS = SubjectIndex("pending_subjects", ("patient", "benefit_year"))
SETTLED = Table(
    "pending_settlements",
    (
        ("settlement_id", "text"),
        ("benefit_year_id", "text"),
        ("patient_ref", "text"),
        ("year", "int"),
        ("county_code", "text"),
        ("hospital_code", "text"),
        ("service_date", "date"),
        ("recorded_at", "timestamp"),
    ),
    key=("settlement_id",),
    indexes=(("patient_ref",), ("hospital_code",), ("county_code",)),
)
REGISTRY = Table(
    "pending_registry",  # originator id -> hospital code or policy region
    (("originator_id", "text"), ("kind", "text"), ("ref", "text")),
    key=("originator_id",),
)
FACTS = Table(
    "pending_facts",
    (
        ("patient_ref", "text"),
        ("year", "int"),
        ("position", "int"),  # the fact's notification id
        ("county_code", "text"),
        (
            "fact",
            "text",
        ),  # poverty_status | chronic_certificate | chronic_revocation | major_disease | treatment_plan | hospital
        # | policy | catalogue
        ("subject", "text"),  # what the fact is about: the patient, a hospital code, region/version
        ("detail", "text"),
        ("effective_on", "date"),
        ("recorded_at", "timestamp"),
        ("published_at", "timestamp"),  # a policy or catalogue fact: its publication (what a recalculation must know)
        ("settlements", "count"),  # the year's settlements it touches
        ("first_service_date", "date"),
        ("status", "text"),  # pending | applied
        ("applied_at", "timestamp"),
    ),
    key=("patient_ref", "year", "position"),
    indexes=(("status", "county_code", "year"), ("patient_ref", "year", "status"), ("fact", "subject", "status")),
)
PENDING, APPLIED = "pending", "applied"


# ---- what settled ----------------------------------------------------------------------------------
def on_settled(view: View, e: Any) -> None:
    year = SUBJECTS.of(view, e.originator_id)
    view.upsert(
        SETTLED,
        {
            "settlement_id": e.settlement_id,
            "benefit_year_id": str(e.originator_id),
            "patient_ref": year["patient_ref"],
            "year": year["year"],
            "county_code": year["county_code"],
            "hospital_code": str(e.hospital.get("code", "")),
            "service_date": str(e.claim["service_date"]),
            "recorded_at": e.timestamp,
        },
    )


def on_reversed(view: View, e: Any) -> None:
    """A reversed settlement no longer counts: a later fact does not touch it."""
    view.delete(SETTLED, {"settlement_id": e.settlement_id})


# ---- late facts ------------------------------------------------------------------------------------
def _mark(
    view: View,
    e: Any,
    settlements: list[dict[str, Any]],
    *,
    fact: str,
    subject: str,
    detail: str,
    effective_on: str,
    published_at: str | None = None,
) -> None:
    """One pending row per patient-year the fact touches (one or more of its settlements)."""
    by_year: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in settlements:
        by_year.setdefault((row["patient_ref"], row["year"]), []).append(row)
    for (patient_ref, year), rows in sorted(by_year.items()):
        view.upsert(
            FACTS,
            {
                "patient_ref": patient_ref,
                "year": year,
                "position": view.position,
                "county_code": rows[0]["county_code"],
                "fact": fact,
                "subject": subject,
                "detail": detail,
                "effective_on": effective_on,
                "recorded_at": e.timestamp,
                "published_at": published_at,
                "settlements": len(rows),
                "first_service_date": min(r["service_date"] for r in rows),
                "status": PENDING,
                "applied_at": None,
            },
        )


def _settled_on_or_after(
    view: View, where: dict[str, Any], day: str, last_day: str | None = None
) -> list[dict[str, Any]]:
    rows = view.select(SETTLED, where)
    return [r for r in rows if r["service_date"] >= day and (last_day is None or r["service_date"] <= last_day)]


def _patient_fact(fact: str, day_field: str, describe: Any) -> Any:
    def handle(view: View, e: Any) -> None:
        patient_ref = SUBJECTS.of(view, e.originator_id)["patient_ref"]
        day = str(getattr(e, day_field))
        if fact == "chronic_revocation":  # the revocation day is still covered (inclusive)
            day = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
        touched = _settled_on_or_after(view, {"patient_ref": patient_ref}, day)
        if touched:
            _mark(view, e, touched, fact=fact, subject=patient_ref, detail=describe(e), effective_on=day)

    return handle


def on_hospital_registered(view: View, e: Any) -> None:
    view.upsert(REGISTRY, {"originator_id": str(e.originator_id), "kind": "hospital", "ref": e.hospital_code})


def _hospital_code(view: View, e: Any) -> str | None:
    row = view.get(REGISTRY, {"originator_id": str(e.originator_id)})
    return None if row is None else str(row["ref"])


def on_hospital_changed(view: View, e: Any) -> None:
    code = _hospital_code(view, e)
    if code is None:
        return
    record = e.record
    start, end = str(record["effective_from"]), record.get("effective_to")
    touched = _settled_on_or_after(view, {"hospital_code": code}, start, None if end is None else str(end))
    if touched:
        span = f"{start}..{end or ''}"
        _mark(view, e, touched, fact="hospital", subject=code, detail=f"registry record {span}", effective_on=start)


def on_hospital_closed(view: View, e: Any) -> None:
    code = _hospital_code(view, e)
    if code is None:
        return
    day = (date.fromisoformat(str(e.last_day)) + timedelta(days=1)).isoformat()
    touched = _settled_on_or_after(view, {"hospital_code": code}, day)
    if touched:
        detail = f"registration closed after {e.last_day}" + (f": {e.reason}" if e.reason else "")
        _mark(view, e, touched, fact="hospital", subject=code, detail=detail, effective_on=day)


def on_register_opened(view: View, e: Any) -> None:
    view.upsert(REGISTRY, {"originator_id": str(e.originator_id), "kind": "policy", "ref": e.region})


def on_version_listed(view: View, e: Any) -> None:
    _mark_region(view, e, "policy", f"policy version {e.version} published {e.published_at}", str(e.published_at))


def on_catalogue_register_opened(view: View, e: Any) -> None:
    view.upsert(REGISTRY, {"originator_id": str(e.originator_id), "kind": "catalogue", "ref": e.region})


def on_catalogue_published(view: View, e: Any) -> None:
    """A catalogue version effective on or before settled service dates of its region: those patient-years are
    pending (a settlement's admission day, the day its lines are classified for, is on or before its service
    date, so this is a superset of the years whose lines the new version would re-classify)."""
    detail = f"catalogue version {e.version} published at {e.published_at} effective from {e.effective_from}"
    _mark_region(view, e, "catalogue", detail, str(e.published_at))


def _mark_region(view: View, e: Any, fact: str, detail: str, published_at: str | None = None) -> None:
    """A version of a region's register (policy or catalogue) marks the region's years settled on or after its
    effective day."""
    row = view.get(REGISTRY, {"originator_id": str(e.originator_id)})
    if row is None:
        return
    region = str(row["ref"])
    touched = _settled_on_or_after(view, {"county_code": region}, str(e.effective_from))
    if touched:
        _mark(
            view,
            e,
            touched,
            fact=fact,
            subject=f"{region}/{e.version}",
            detail=detail,
            effective_on=str(e.effective_from),
            published_at=published_at,
        )


def on_region_recalculated(view: View, e: Any) -> None:
    """A region run re-settled every patient-year the version can affect: its policy facts are answered
    (the years it did not change leave no event of their own)."""
    subject = f"{e.region}/{e.version}"
    for row in view.select(FACTS, {"fact": "policy", "subject": subject, "status": PENDING}):
        if row["published_at"] is not None and _not_after(row["published_at"], str(e.known_at)):
            view.update(
                FACTS,
                {"patient_ref": row["patient_ref"], "year": row["year"], "position": row["position"]},
                {"status": APPLIED, "applied_at": e.timestamp},
            )


# ---- answered by a recalculation -------------------------------------------------------------------
def _apply(view: View, e: Any, *, refreshed: bool, known_at: str) -> None:
    year = SUBJECTS.of(view, e.originator_id)
    open_rows = view.select(FACTS, {"patient_ref": year["patient_ref"], "year": year["year"], "status": PENDING})
    for row in open_rows:
        known = row["published_at"] is not None and _not_after(row["published_at"], known_at)
        answered = (refreshed and (row["fact"] != "catalogue" or known)) or (row["fact"] == "policy" and known)
        if answered:
            view.update(
                FACTS,
                {"patient_ref": row["patient_ref"], "year": row["year"], "position": row["position"]},
                {"status": APPLIED, "applied_at": e.timestamp},
            )


def _not_after(published_at: str, known_at: str) -> bool:
    from datetime import datetime

    return datetime.fromisoformat(published_at) <= datetime.fromisoformat(known_at)


def on_recalculated(view: View, e: Any) -> None:
    _apply(view, e, refreshed=any("facts" in item for item in e.items), known_at=str(e.recalculated_at))


def on_checked(view: View, e: Any) -> None:
    _apply(view, e, refreshed=True, known_at=str(e.recalculated_at))


PROJECTION = Projection(
    "recalculations_pending",
    (SUBJECTS.table, SETTLED, REGISTRY, FACTS),
    merge(
        SUBJECTS.handlers,
        {
            "ledger:BenefitYear.SettlementRecorded": on_settled,
            "ledger:BenefitYear.SettlementReversed": on_reversed,
            "ledger:BenefitYear.RecalculationRecorded": on_recalculated,
            "ledger:BenefitYear.RecalculationChecked": on_checked,
            "ledger:Patient.PovertyStatusRegistered": _patient_fact(
                "poverty_status", "effective_from", lambda e: f"poverty status {e.status}"
            ),
            "ledger:Patient.PovertyStatusChanged": _patient_fact(
                "poverty_status", "effective_from", lambda e: f"poverty status {e.status}: {e.reason}".rstrip(": ")
            ),
            "ledger:Patient.ChronicDiseaseCertified": _patient_fact(
                "chronic_certificate", "valid_from", lambda e: f"chronic certificate {e.disease} from {e.valid_from}"
            ),
            "ledger:Patient.ChronicDiseaseRevoked": _patient_fact(
                "chronic_revocation",
                "revoked_on",
                lambda e: f"chronic certificate {e.disease} revoked on {e.revoked_on}",
            ),
            "ledger:Patient.MajorDiseaseConfirmed": _patient_fact(
                "major_disease", "confirmed_on", lambda e: f"major disease {e.disease} confirmed"
            ),
            "ledger:Patient.TreatmentPlanRecorded": _patient_fact(
                "treatment_plan",
                "decided_on",
                lambda e: f"treatment plan {e.disease}: {e.treatment} decided on {e.decided_on}",
            ),
            "ledger:RegisteredHospital.Registered": on_hospital_registered,
            "ledger:RegisteredHospital.Changed": on_hospital_changed,
            "ledger:RegisteredHospital.Closed": on_hospital_closed,
            "ledger:PolicyRegister.Opened": on_register_opened,
            "ledger:PolicyRegister.VersionListed": on_version_listed,
            "ledger:PolicyVersion.RegionRecalculated": on_region_recalculated,
            "ledger:CatalogueRegister.Opened": on_catalogue_register_opened,
            "ledger:CatalogueRegister.VersionPublished": on_catalogue_published,
        },
    ),
    description="patient-years pending recalculation: late facts not yet answered by a recalculation",
    version=2,  # 2: Hainan treatment plans are late facts; a catalogue fact answered only by a recalculation knowing it
)


# ---- queries ---------------------------------------------------------------------------------------
def _where(county_code: str | None, year: int | None) -> tuple[str, list[Any]]:
    clause, params = "status = ?", list[Any]([PENDING])
    if county_code is not None:
        clause, params = clause + " AND county_code = ?", [*params, county_code]
    if year is not None:
        clause, params = clause + " AND year = ?", [*params, year]
    return clause, params


def pending_years_page(
    store: ViewStore, *, county_code: str | None = None, year: int | None = None, limit: int = 100, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """(how many patient-years are pending, one page of them with their reasons), in county, year, patient
    order; each reason: the fact, what it is about, when it was recorded and from when it is effective."""
    clause, params = _where(county_code, year)
    with reading(store) as view:
        total = int(
            view.rows(
                f"SELECT COUNT(*) FROM (SELECT DISTINCT patient_ref, year FROM {{f}} WHERE {clause}) AS years",
                params,
                f=FACTS,
            )[0][0]
        )
        years = view.rows(
            f"SELECT DISTINCT county_code, year, patient_ref FROM {{f}} WHERE {clause} "
            "ORDER BY county_code, year, patient_ref LIMIT ? OFFSET ?",
            [*params, limit, offset],
            f=FACTS,
        )
        out = []
        for county, year_, patient_ref in years:
            reasons = view.select(
                FACTS, {"patient_ref": patient_ref, "year": int(year_), "status": PENDING}, order_by=("position",)
            )
            out.append(
                {
                    "patient_ref": patient_ref,
                    "year": int(year_),
                    "county_code": county,
                    "latest_fact": max(r["position"] for r in reasons),
                    "reasons": [
                        {
                            k: r[k]
                            for k in (
                                "fact",
                                "subject",
                                "detail",
                                "effective_on",
                                "recorded_at",
                                "position",
                                "settlements",
                                "first_service_date",
                            )
                        }
                        for r in reasons
                    ],
                }
            )
    return total, out


def pending_years(store: ViewStore, *, county_code: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """Every pending patient-year (paged through internally)."""
    out: list[dict[str, Any]] = []
    while True:
        total, page = pending_years_page(store, county_code=county_code, year=year, limit=500, offset=len(out))
        out += page
        if not page or len(out) >= total:
            return out


def is_pending(store: ViewStore, patient_ref: str, year: int) -> bool:
    with reading(store) as view:
        return view.count(FACTS, {"patient_ref": patient_ref, "year": year, "status": PENDING}) > 0

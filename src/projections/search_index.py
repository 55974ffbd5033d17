"""Search and lists: patients by ref or name, admissions by hospital and date range, settlements by period.

Every query pages in SQL (WHERE ... ORDER BY ... LIMIT/OFFSET, and a COUNT of the whole match), on both
stores. Names are personal data: the index keeps the patient's sealed identifiers exactly as the event
carries them (AES-256-GCM ciphertext, opened only for a reader allowed to see them) and a keyed digest of
the name (`PersonalDataCipher.name_key`: HMAC-SHA-256 under a key derived from LEDGER_PII_KEY) for
exact-name search. No plain name is ever written here, so a name can only be searched whole (spaces and
full-width forms are normalised), never by a part of it.

Tables: `search_patients` (ref, county, township, name digest, sealed identifiers), `search_admissions`
(ref, patient, hospital, kind, admitted_on, discharged_on, settlement), `search_settlements` (settlement
id, patient, admission, hospital, county, service date, settled at, total, compensation, patient share,
as they stand after any recalculation).
"""

from __future__ import annotations

from typing import Any

from domain.errors import ValidationError
from projections.county_dashboard import _amounts
from projections.projection import Projection, merge
from projections.store import ViewStore
from projections.subjects import SubjectIndex
from projections.tables import Table
from projections.view import View, reading

SUBJECTS = SubjectIndex("search_subjects", ("admission", "benefit_year"))
PATIENTS = Table(
    "search_patients",
    (
        ("patient_ref", "text"),
        ("county_code", "text"),
        ("township", "text"),
        ("name_key", "text"),
        ("personal_sealed", "text"),
    ),
    key=("patient_ref",),
    indexes=(("name_key",), ("county_code", "patient_ref")),
)
ADMISSIONS = Table(
    "search_admissions",
    (
        ("admission_ref", "text"),
        ("patient_ref", "text"),
        ("hospital_code", "text"),
        ("hospital_name", "text"),
        ("kind", "text"),
        ("admitted_on", "date"),
        ("discharged_on", "date"),
        ("settlement_id", "text"),
    ),
    key=("admission_ref",),
    indexes=(("hospital_code", "admitted_on"), ("admitted_on",)),
)
SETTLEMENTS = Table(
    "search_settlements",
    (
        ("settlement_id", "text"),
        ("patient_ref", "text"),
        ("admission_ref", "text"),
        ("hospital_code", "text"),
        ("county_code", "text"),
        ("kind", "text"),
        ("service_date", "date"),
        ("settled_at", "text"),
        ("policy_version", "text"),
        ("total_cost", "money"),
        ("compensation", "money"),
        ("patient_share", "money"),
        ("recalculated", "count"),
    ),
    key=("settlement_id",),
    indexes=(("service_date",), ("hospital_code", "service_date"), ("county_code", "service_date")),
)


def on_patient(view: View, e: Any) -> None:
    sealed = getattr(e, "personal_sealed", None)
    name_key = None
    if sealed and view.ledger is not None:
        cipher = view.ledger.personal_data
        try:
            name = cipher.open(e.patient_ref, sealed).get("name")
        except ValidationError:  # sealed under another key: not searchable by name, never a failed batch
            name = None
        name_key = cipher.name_key(name) if name else None
    view.insert(
        PATIENTS,
        {
            "patient_ref": e.patient_ref,
            "county_code": e.county_code,
            "township": e.township or "",
            "name_key": name_key,
            "personal_sealed": sealed,
        },
    )


def on_admission(view: View, e: Any) -> None:
    view.insert(
        ADMISSIONS,
        {
            "admission_ref": e.admission_ref,
            "patient_ref": e.patient_ref,
            "hospital_code": e.hospital["code"],
            "hospital_name": str(e.hospital.get("name") or ""),
            "kind": e.kind,
            "admitted_on": e.admitted_on,
        },
    )


def on_discharged(view: View, e: Any) -> None:
    admission = SUBJECTS.of(view, e.originator_id)
    view.update(ADMISSIONS, {"admission_ref": admission["admission_ref"]}, {"discharged_on": e.discharged_on})


def on_settlement(view: View, e: Any) -> None:
    year = SUBJECTS.of(view, e.originator_id)
    amounts = _amounts(e.settlement)
    view.insert(
        SETTLEMENTS,
        {
            "settlement_id": e.settlement_id,
            "patient_ref": year["patient_ref"],
            "admission_ref": e.admission_ref,
            "hospital_code": e.hospital["code"],
            "county_code": year["county_code"],
            "kind": e.claim["kind"],
            "service_date": e.claim["service_date"],
            "settled_at": e.settled_at,
            "policy_version": str(e.settlement.get("policy_version") or ""),
            "total_cost": amounts["total_cost"],
            "compensation": amounts["compensation"],
            "patient_share": amounts["patient_share"],
            "recalculated": 0,
        },
    )
    view.update(ADMISSIONS, {"admission_ref": e.admission_ref}, {"settlement_id": e.settlement_id})


def on_recalculation(view: View, e: Any) -> None:
    for item in e.items:
        after = _amounts(item["settlement"])
        key = {"settlement_id": item["settlement_id"]}
        before = view.get(SETTLEMENTS, key)
        assert before is not None, item["settlement_id"]
        if after["compensation"] != before["compensation"] or after["patient_share"] != before["patient_share"]:
            view.update(
                SETTLEMENTS,
                key,
                {
                    "compensation": after["compensation"],
                    "patient_share": after["patient_share"],
                    "policy_version": str(item["settlement"].get("policy_version") or before["policy_version"]),
                    "recalculated": before["recalculated"] + 1,
                },
            )


PROJECTION = Projection(
    "search_index",
    (SUBJECTS.table, PATIENTS, ADMISSIONS, SETTLEMENTS),
    merge(
        SUBJECTS.handlers,
        {
            "ledger:Patient.Registered": on_patient,
            "ledger:Admission.Registered": on_admission,
            "ledger:Admission.Discharged": on_discharged,
            "ledger:BenefitYear.SettlementRecorded": on_settlement,
            "ledger:BenefitYear.RecalculationRecorded": on_recalculation,
        },
    ),
    description="search and lists: patients by ref or name digest, admissions, settlements (paged in SQL)",
)


# ---- queries (paged in SQL) --------------------------------------------------------------------
def _page(
    store: ViewStore, table: Table, where: list[tuple[str, str, Any]], order: str, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    clause = " AND ".join(f"{column} {op} ?" + (" ESCAPE '\\'" if op == "LIKE" else "") for column, op, _ in where)
    clause = clause or "1 = 1"
    params = [value for _, _, value in where]
    columns = table.column_names
    with reading(store) as view:
        count = int(view.rows(f"SELECT COUNT(*) FROM {{t}} WHERE {clause}", params, t=table)[0][0])
        rows = view.rows(
            f"SELECT {', '.join(columns)} FROM {{t}} WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, limit, offset],
            t=table,
        )
        return count, [view.row(table, columns, r) for r in rows]


def _prefix(text: str) -> str:
    """A LIKE pattern matching refs that start with `text` (refs never hold % or _ specially)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_patients(
    store: ViewStore,
    *,
    ref: str | None = None,
    name_key: str | None = None,
    county_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    where: list[tuple[str, str, Any]] = []
    if ref:
        where.append(("patient_ref", "LIKE", _prefix(ref)))
    if name_key:
        where.append(("name_key", "=", name_key))
    if county_code:
        where.append(("county_code", "=", county_code))
    return _page(store, PATIENTS, where, "patient_ref", limit, offset)


def search_admissions(
    store: ViewStore,
    *,
    hospital_code: str | None = None,
    patient_ref: str | None = None,
    admitted_from: str | None = None,
    admitted_to: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    where: list[tuple[str, str, Any]] = []
    if hospital_code:
        where.append(("hospital_code", "=", hospital_code))
    if patient_ref:
        where.append(("patient_ref", "=", patient_ref))
    if admitted_from:
        where.append(("admitted_on", ">=", admitted_from))
    if admitted_to:
        where.append(("admitted_on", "<=", admitted_to))
    return _page(store, ADMISSIONS, where, "admitted_on, admission_ref", limit, offset)


def search_settlements(
    store: ViewStore,
    *,
    service_from: str | None = None,
    service_to: str | None = None,
    county_code: str | None = None,
    hospital_code: str | None = None,
    patient_ref: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    where: list[tuple[str, str, Any]] = []
    if service_from:
        where.append(("service_date", ">=", service_from))
    if service_to:
        where.append(("service_date", "<=", service_to))
    for column, value in (("county_code", county_code), ("hospital_code", hospital_code), ("patient_ref", patient_ref)):
        if value:
            where.append((column, "=", value))
    return _page(store, SETTLEMENTS, where, "service_date, settlement_id", limit, offset)

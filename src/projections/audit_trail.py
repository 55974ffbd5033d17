"""Audit trail per patient-year and per admission: every event in log order, with its effective and
recorded time, the policy version used, and each payer layer's arithmetic.

Admission events are recorded before the admission's benefit year is known; when the settlement
is recorded, the year is filled in on the admission's earlier rows. Patient-level status events
(poverty status, certificates, diagnoses, contracts) have no year: they appear in the trail of
every year they were effective by.
"""

from __future__ import annotations

from typing import Any

from projections.audit_entries import DESCRIBERS, describe, layer_rows
from projections.projection import Projection, merge
from projections.store import ViewStore
from projections.subjects import SubjectIndex
from projections.tables import Table
from projections.view import View, reading

SUBJECTS = SubjectIndex("audit_subjects", ("patient", "admission", "benefit_year", "finding", "hospital"))
EVENTS = Table(
    "audit_events",
    (
        ("position", "int"),
        ("originator_id", "text"),
        ("originator_version", "int"),
        ("topic", "text"),
        ("event", "text"),
        ("patient_ref", "text"),
        ("year", "int"),
        ("admission_ref", "text"),
        ("settlement_id", "text"),
        ("finding_ref", "text"),
        ("hospital_code", "text"),
        ("effective_on", "text"),
        ("recorded_at", "timestamp"),
        ("policy_version", "text"),
        ("amount", "money"),
        ("summary", "text"),
        ("detail", "json"),
    ),
    key=("position",),
    indexes=(("patient_ref", "year"), ("admission_ref",), ("settlement_id",)),
)
LAYERS = Table(
    "audit_layers",
    (
        ("position", "int"),
        ("settlement_id", "text"),
        ("seq", "int"),
        ("admission_ref", "text"),
        ("policy_version", "text"),
        ("payer", "text"),
        ("amount", "money"),
        ("eligible", "bool"),
        ("base", "decimal"),
        ("threshold", "decimal"),
        ("ratio", "decimal"),
        ("cap", "decimal"),
        ("paid_before", "money"),
        ("explanation", "text"),
    ),
    key=("position", "settlement_id", "seq"),
    indexes=(("admission_ref",),),
)
_FOLLOW_YEAR = {"ledger:Patient.FollowUpRecorded": "followed_up_on"}


def _admission_of(settlement_id: str) -> str:
    return settlement_id.rsplit("#", 1)[0]


def _who(view: View, aggregate: str, topic: str, e: Any, row: dict[str, Any]) -> None:
    """Fill in patient_ref / year / admission_ref / finding_ref / hospital_code of the event."""
    if aggregate == "HospitalAccount":
        hospital = SUBJECTS.known(view, e.originator_id)
        finding = SUBJECTS.by_ref(view, "finding", e.finding_ref) or {}
        row["patient_ref"] = finding.get("patient_ref")
        row["year"] = finding.get("year")
        row["admission_ref"] = finding.get("admission_ref")
        row["finding_ref"] = e.finding_ref
        row["hospital_code"] = hospital["hospital_code"]
        return
    subject = SUBJECTS.known(view, e.originator_id)
    row["patient_ref"] = subject["patient_ref"]
    row["year"] = subject["year"]
    row["admission_ref"] = subject["admission_ref"]
    row["hospital_code"] = subject["hospital_code"]
    if aggregate == "AuditFinding":
        row["finding_ref"] = subject["ref"]
    if topic == "ledger:Patient.EnrolledInBasicInsurance":
        row["year"] = e.year
    elif topic in _FOLLOW_YEAR:
        row["year"] = int(getattr(e, _FOLLOW_YEAR[topic])[:4])


def on_event(topic: str) -> Any:
    """One audit row per event, built in one dict (who it is about, then what `describe` says): this projection
    writes a row for nearly every event of the log, so its per-event work is kept to that."""
    aggregate, event = topic.split(":")[1].split(".")[0], topic.rsplit(".", 1)[1]

    def handle(view: View, e: Any) -> None:
        row = {
            "position": view.position,
            "originator_id": str(e.originator_id),
            "originator_version": e.originator_version,
            "topic": topic,
            "event": event,
            "recorded_at": e.timestamp,
        }
        _who(view, aggregate, topic, e, row)
        row.update(describe(topic, e))
        if row.get("settlement_id") and not row.get("admission_ref"):
            row["admission_ref"] = _admission_of(row["settlement_id"])
        view.insert(EVENTS, row)
        if topic == "ledger:BenefitYear.SettlementRecorded":
            _settled(view, e)
        elif topic == "ledger:BenefitYear.RecalculationRecorded":
            for item in e.items:
                _layers(view, item["settlement_id"], item["policy_version_after"], item["settlement"])

    return handle


def _layers(view: View, settlement_id: str, policy_version: str, settlement: dict[str, Any]) -> None:
    admission_ref = _admission_of(settlement_id)
    for row in layer_rows(settlement_id, policy_version, settlement):  # new dicts: completed in place
        row["position"], row["admission_ref"] = view.position, admission_ref
        view.insert(LAYERS, row)


def _settled(view: View, e: Any) -> None:
    year = SUBJECTS.known(view, e.originator_id)["year"]
    _layers(view, e.settlement_id, e.policy_version, e.settlement)
    view.update(EVENTS, {"admission_ref": e.admission_ref, "year": None}, {"year": year})
    SUBJECTS.set_admission_year(view, e.admission_ref, year)


PROJECTION = Projection(
    "audit_trail",
    (SUBJECTS.table, EVENTS, LAYERS),
    merge(SUBJECTS.handlers, {topic: on_event(topic) for topic in DESCRIBERS}),
    description="every event per patient-year and admission, with layer arithmetic",
)


# ---- queries ----------------------------------------------------------------------------------
_COLS = ", ".join(EVENTS.column_names)
_LAYERED = ("ledger:BenefitYear.SettlementRecorded", "ledger:BenefitYear.RecalculationRecorded")


def _with_layers(view: View, rows: list[tuple[Any, ...]], admission_ref: str | None = None) -> list[dict[str, Any]]:
    events = [view.row(EVENTS, EVENTS.column_names, r) for r in rows]
    by_position = {ev["position"]: ev for ev in events}
    for ev in events:
        ev["layers"] = []
    positions = [ev["position"] for ev in events if ev["topic"] in _LAYERED]
    for start in range(0, len(positions), 500):
        chunk = positions[start : start + 500]
        sql = (
            f"SELECT {', '.join(LAYERS.column_names)} FROM {{layers}} WHERE position IN "
            f"({', '.join('?' * len(chunk))}) ORDER BY position, settlement_id, seq"
        )
        for r in view.rows(sql, chunk, layers=LAYERS):
            layer = view.row(LAYERS, LAYERS.column_names, r)
            if admission_ref is None or layer["admission_ref"] == admission_ref:
                by_position[layer["position"]]["layers"].append(layer)
    return events


_YEAR_EVENTS = (
    "WHERE patient_ref = ? AND (year = ? OR (year IS NULL AND admission_ref IS NULL AND "
    "(effective_on IS NULL OR effective_on <= ?)))"
)
_ADMISSION_EVENTS = "WHERE admission_ref = ? OR position IN (SELECT position FROM {layers} WHERE admission_ref = ?)"
Page = tuple[int, list[dict[str, Any]]]


def _page(
    view: View, where: str, params: list[Any], limit: int | None, offset: int
) -> tuple[int, list[tuple[Any, ...]]]:
    count = int(view.rows(f"SELECT COUNT(*) FROM {{events}} {where}", params, events=EVENTS, layers=LAYERS)[0][0])
    sql = f"SELECT {_COLS} FROM {{events}} {where} ORDER BY position"
    if limit is not None:
        sql, params = sql + " LIMIT ? OFFSET ?", [*params, limit, offset]
    return count, view.rows(sql, params, events=EVENTS, layers=LAYERS)


def audit_trail_page(
    store: ViewStore, patient_ref: str, year: int, *, limit: int | None = None, offset: int = 0
) -> Page:
    """(how many events, one page of them in log order) of a patient-year: status events effective by the end of
    the year included. The page is cut in SQL."""
    with reading(store) as view:
        count, rows = _page(view, _YEAR_EVENTS, [patient_ref, year, f"{year}-12-31~"], limit, offset)
        return count, _with_layers(view, rows)


def audit_trail(store: ViewStore, patient_ref: str, year: int) -> list[dict[str, Any]]:
    """The patient-year's events in log order (status events effective by the end of the year included)."""
    return audit_trail_page(store, patient_ref, year)[1]


def audit_trail_for_admission_page(
    store: ViewStore, admission_ref: str, *, limit: int | None = None, offset: int = 0
) -> Page:
    """(how many events, one page of them in log order) of an admission, its settlements' recalculations and
    the findings on it."""
    with reading(store) as view:
        count, rows = _page(view, _ADMISSION_EVENTS, [admission_ref, admission_ref], limit, offset)
        return count, _with_layers(view, rows, admission_ref)


def audit_trail_for_admission(store: ViewStore, admission_ref: str) -> list[dict[str, Any]]:
    """The admission's events, its settlements' recalculations and the findings on it, in log order."""
    return audit_trail_for_admission_page(store, admission_ref)[1]

"""Who an event is about: originator id -> patient, admission, patient-year, finding or hospital.

Most events name only their aggregate id; the creating event names the patient, year or
hospital. Each projection keeps its own small index (so each can be rebuilt on its own).
"""

from __future__ import annotations

from typing import Any

from projections.tables import Table
from projections.view import View

COLUMNS = (
    ("originator_id", "text"),
    ("kind", "text"),
    ("ref", "text"),
    ("patient_ref", "text"),
    ("year", "int"),
    ("county_code", "text"),
    ("admission_ref", "text"),
    ("hospital_code", "text"),
)


def _patient(e: Any) -> dict[str, Any]:
    return {"kind": "patient", "ref": e.patient_ref, "patient_ref": e.patient_ref, "county_code": e.county_code}


def _admission(e: Any) -> dict[str, Any]:
    return {
        "kind": "admission",
        "ref": e.admission_ref,
        "patient_ref": e.patient_ref,
        "admission_ref": e.admission_ref,
        "hospital_code": e.hospital["code"],
    }


def _benefit_year(e: Any) -> dict[str, Any]:
    return {
        "kind": "benefit_year",
        "ref": f"{e.patient_ref}/{e.year}",
        "patient_ref": e.patient_ref,
        "year": e.year,
        "county_code": e.county_code,
    }


def _finding(e: Any) -> dict[str, Any]:
    return {
        "kind": "finding",
        "ref": e.finding_ref,
        "patient_ref": e.patient_ref,
        "year": e.year,
        "admission_ref": e.admission_ref,
        "hospital_code": e.hospital_code,
    }


def _hospital(e: Any) -> dict[str, Any]:
    return {"kind": "hospital", "ref": e.hospital_code, "hospital_code": e.hospital_code}


CREATORS = {
    "patient": ("ledger:Patient.Registered", _patient),
    "admission": ("ledger:Admission.Registered", _admission),
    "benefit_year": ("ledger:BenefitYear.Opened", _benefit_year),
    "finding": ("ledger:AuditFinding.Recorded", _finding),
    "hospital": ("ledger:HospitalAccount.Opened", _hospital),
}


class SubjectIndex:
    def __init__(self, name: str, kinds: tuple[str, ...]) -> None:
        self.table = Table(name, COLUMNS, key=("originator_id",), indexes=(("kind", "ref"),))
        self.handlers = {CREATORS[k][0]: self._recorder(CREATORS[k][1]) for k in kinds}

    def _recorder(self, describe: Any) -> Any:
        def record(view: View, e: Any) -> None:
            row = {"originator_id": str(e.originator_id), **describe(e)}
            view.upsert(self.table, row)
            self._remember(view, {c: row.get(c) for c in self.table.column_names})
            view.memo.pop((self.table.name, "id", e.originator_id), None)

        return record

    def of(self, view: View, originator_id: Any) -> dict[str, Any]:
        """The subject row of an originator: a copy the caller may change."""
        return dict(self.known(view, originator_id))

    def known(self, view: View, originator_id: Any) -> dict[str, Any]:
        """The subject row of an originator as memoised (no copy: read it, never change it)."""
        memo = view.memo
        found = memo.get((self.table.name, "id", originator_id))  # by the id object itself: no str() of a UUID
        if found is None:
            key = (self.table.name, str(originator_id))
            found = memo.get(key) or view.get(self.table, {"originator_id": key[1]})
            if found is None:  # the creating event always precedes: a missing row is a defect
                raise LookupError(f"{self.table.name}: no subject for originator {originator_id}")
            if key not in memo:
                self._remember(view, found)
            memo[(self.table.name, "id", originator_id)] = found
        return found

    def _remember(self, view: View, row: dict[str, Any]) -> None:
        """Memoise a subject row by originator id (and an admission's also by its ref, for its year)."""
        view.memo[(self.table.name, row["originator_id"])] = row
        if row["kind"] == "admission":
            view.memo[(self.table.name, "admission", row["ref"])] = row

    def set_admission_year(self, view: View, admission_ref: str, year: int) -> None:
        view.update(self.table, {"kind": "admission", "ref": admission_ref}, {"year": year})
        row = view.memo.get((self.table.name, "admission", admission_ref))
        if row is not None:
            row["year"] = year

    def by_ref(self, view: View, kind: str, ref: str) -> dict[str, Any] | None:
        rows = view.select(self.table, {"kind": kind, "ref": ref})
        return rows[0] if rows else None

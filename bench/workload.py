"""Realistic command streams from the seeded Langxi county plan (src/generator), for every bench.

A `Command` is one ledger command (its name, command id, arguments) that can also be sent
over HTTP (`http()`: path and JSON body) or in a `POST /batch` body (`batch_item()`). Command ids
follow generator.load, prefixed by a run tag so two runs in one store never replay each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from generator.hospitals import ALL_HOSPITALS
from generator.load import settled_at
from generator.model import generate_county_year
from generator.plan import CountyPlan, PatientPlan, VisitPlan
from service.legacy_shapes import ensure_hospital, item_code_for

_PATIENT_ROUTES = {
    "enrol_patient": "enrolments",
    "record_poverty_status": "poverty-statuses",
    "certify_chronic_disease": "chronic-diseases",
    "confirm_major_disease": "major-diseases",
    "sign_family_doctor_contract": "family-doctor-contracts",
    "record_follow_up": "follow-ups",
}
_ADMISSION_ROUTES = {"post_charge_line": "charge-lines", "discharge": "discharge", "settle_admission": "settlement"}


def plain(value: Any) -> Any:
    """A JSON-ready copy: dates ISO, Decimals as strings (money never travels as a float)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Command:
    name: str  # the command's name (service.commands.COMMANDS)
    command_id: str
    args: dict[str, Any]

    def command(self) -> Any:
        """The command model (service.commands) this stands for."""
        from service.commands import COMMANDS

        return COMMANDS[self.name](command_id=self.command_id, **self.args)

    def call(self, ledger: Any) -> dict[str, Any]:
        result: dict[str, Any] = ledger.handle(self.command())
        return result

    def batch_item(self) -> dict[str, Any]:
        return {"command": self.name, "command_id": self.command_id, "args": plain(self.args)}

    def http(self) -> tuple[str, dict[str, Any]]:
        """(path, JSON body) of the single-command route."""
        body = {"command_id": self.command_id, **plain(self.args)}
        if self.name in ("register_patient",):
            return "/patients", body
        if self.name == "register_admission":
            return "/admissions", body
        if self.name in _PATIENT_ROUTES:
            return f"/patients/{body.pop('patient_ref')}/{_PATIENT_ROUTES[self.name]}", body
        if self.name in _ADMISSION_ROUTES:
            return f"/admissions/{body.pop('admission_ref')}/{_ADMISSION_ROUTES[self.name]}", body
        raise ValueError(f"no HTTP route for {self.name}")


def county_plan(scale: float, *, seed: int = 1, months: int = 12) -> CountyPlan:
    return generate_county_year(seed, scale, 2018, months)


def patient_commands(plan: CountyPlan, patient: PatientPlan, tag: str = "") -> list[Command]:
    ref, commands = patient.ref, []

    def add(name: str, command_id: str, **args: Any) -> None:
        commands.append(Command(name, tag + command_id, args))

    add(
        "register_patient",
        f"register-patient:{ref}",
        patient_ref=ref,
        county_code=plan.region,
        township=patient.township,
    )
    add("enrol_patient", f"enrol:{ref}:{plan.year}", patient_ref=ref, year=plan.year, premium_paid_by_state=True)
    for i, record in enumerate(patient.statuses):
        add(
            "record_poverty_status",
            f"poverty-status:{ref}:{i + 1}",
            patient_ref=ref,
            status=record.status,
            effective_from=record.effective_from,
            reason=record.reason,
        )
    for cert in patient.chronic:
        add(
            "certify_chronic_disease",
            f"chronic-certificate:{ref}:{cert.disease}",
            patient_ref=ref,
            disease=cert.disease,
            valid_from=cert.valid_from,
            valid_to=cert.valid_to,
        )
    for diagnosis in patient.major:
        add(
            "confirm_major_disease",
            f"major-disease:{ref}:{diagnosis.disease}",
            patient_ref=ref,
            disease=diagnosis.disease,
            confirmed_on=diagnosis.confirmed_on,
        )
    for i, contract in enumerate(patient.contracts):
        add(
            "sign_family_doctor_contract",
            f"doctor-contract:{ref}:{i + 1}",
            patient_ref=ref,
            doctor=contract.doctor,
            signed_on=contract.signed_on,
        )
    for i, f in enumerate(patient.follow_ups):
        add(
            "record_follow_up",
            f"follow-up:{ref}:{i + 1}",
            patient_ref=ref,
            followed_up_on=f.followed_up_on,
            heart_rate=f.heart_rate,
            blood_glucose=f.blood_glucose,
            systolic=f.systolic,
            diastolic=f.diastolic,
        )
    return commands


def visit_commands(visit: VisitPlan, tag: str = "") -> list[Command]:
    """Admission, charge lines, discharge, settlement: the hospital window's commands for one visit."""
    ref = visit.ref
    commands = [
        Command(
            "register_admission",
            f"{tag}admission:{ref}",
            {
                "admission_ref": ref,
                "patient_ref": visit.patient_ref,
                "kind": visit.kind,
                "hospital_code": visit.hospital.code,
                "admitted_on": visit.admitted_on,
                "referred": visit.referred,
                "diagnosis": visit.diagnosis,
            },
        )
    ]
    commands += [
        Command(
            "post_charge_line",
            f"{tag}charge:{ref}:{line.line_no}",
            {
                "admission_ref": ref,
                "line_no": line.line_no,
                "category": line.category,
                "item_code": item_code_for(line.category, line.compliant),
                "quantity": 1,
                "unit_price": line.amount,
            },
        )
        for line in visit.lines
    ]
    commands.append(
        Command("discharge", f"{tag}discharge:{ref}", {"admission_ref": ref, "discharged_on": visit.discharged_on})
    )
    commands.append(
        Command("settle_admission", f"{tag}settle:{ref}", {"admission_ref": ref, "settled_at": settled_at(visit)})
    )
    return commands


def deal_by_patient(visits: Sequence[VisitPlan], clients: int) -> list[list[VisitPlan]]:
    """The visits dealt to `clients` lanes so that every visit of a patient is on one lane, in settlement order.

    A patient-year's settlements must be recorded in date order (a later `settled_at` never before an
    earlier one), so two clients must not race on one patient. Patients go to the least-loaded lane
    (by command count, the busiest patients first), so the lanes stay about the same length.
    """
    by_patient: dict[str, list[VisitPlan]] = {}
    for visit in visits:
        by_patient.setdefault(visit.patient_ref, []).append(visit)
    lanes: list[list[VisitPlan]] = [[] for _ in range(clients)]
    loads = [0] * clients

    def size(patient: list[VisitPlan]) -> int:
        return sum(len(v.lines) + 3 for v in patient)

    for patient in sorted(by_patient.values(), key=lambda p: (-size(p), p[0].patient_ref)):
        lane = loads.index(min(loads))
        lanes[lane] += sorted(patient, key=lambda v: (settled_at(v), v.ref))
        loads[lane] += size(patient)
    return lanes


def hospital_codes(plan: CountyPlan) -> list[str]:
    return sorted({visit.hospital.code for visit in plan.visits})


def register_hospitals(ledger: Any) -> None:
    """The synthetic county's hospital registry (admin master data), before any admission (not timed)."""
    for hospital in ALL_HOSPITALS:
        ensure_hospital(ledger, hospital.as_payload())

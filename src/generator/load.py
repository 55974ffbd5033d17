"""load_plan: append a CountyPlan through the real BenefitLedger commands.

Every command id is derived from refs, so loading the same plan again replays every command
(`replayed`) and appends nothing. Visits are settled in plan order (discharge day, then ref) at
the discharge day 18:00 +08:00. A LedgerError from any command is a generator defect: it propagates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from domain.policy.loader import load_default_policy
from generator import hainan
from generator.hospitals import ALL_HOSPITALS
from generator.plan import CountyPlan, Hospital, PatientPlan, VisitPlan
from service import commands as c
from service.legacy_shapes import charge_line, register_hospital_command

CHINA = timezone(timedelta(hours=8))
SETTLEMENT_HOUR = 18

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LoadReport:
    patients: int
    visits: int
    commands: int  # commands sent
    appended: int  # commands that appended events
    replayed: int  # commands already done before (idempotent re-run)
    settlements: int  # settle commands that appended a settlement
    notifications_before: int
    notifications_after: int
    elapsed_seconds: float

    @property
    def commands_per_second(self) -> float:
        return self.commands / self.elapsed_seconds if self.elapsed_seconds else 0.0

    def describe(self) -> str:
        return (
            f"{self.patients} patients, {self.visits} visits: {self.commands} commands ({self.appended} appended, "
            f"{self.replayed} replayed), {self.settlements} settlements, notifications "
            f"{self.notifications_before} -> {self.notifications_after}, {self.elapsed_seconds:.1f} s "
            f"({self.commands_per_second:.0f} commands/s)"
        )


def settled_at(visit: VisitPlan) -> datetime:
    return datetime.combine(visit.discharged_on, datetime.min.time(), CHINA).replace(hour=SETTLEMENT_HOUR)


class _Loader:
    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger
        self.commands = self.appended = self.settlements = 0

    def run(self, command: c.Command) -> dict[str, Any]:
        result: dict[str, Any] = self.ledger.handle(command)
        self.commands += 1
        if not result.get("replayed", False):
            self.appended += 1
        return result

    def patient(self, plan: CountyPlan, p: PatientPlan) -> None:
        for command in patient_commands(plan, p):
            self.run(command)

    def visit(self, v: VisitPlan) -> None:
        for command in visit_commands(v):
            result = self.run(command)
            if isinstance(command, c.SettleAdmission):
                self.settlements += not result.get("replayed", False)


def patient_commands(plan: CountyPlan, p: PatientPlan, tag: str = "") -> list[c.Command]:
    """A patient's registry commands, with command ids derived from refs (`tag` prefixes them)."""
    ref = p.ref
    commands: list[c.Command] = [
        c.RegisterPatient(
            command_id=f"{tag}register-patient:{ref}", patient_ref=ref, county_code=plan.region, township=p.township
        ),
        c.EnrolPatient(
            command_id=f"{tag}enrol:{ref}:{plan.year}", patient_ref=ref, year=plan.year, premium_paid_by_state=True
        ),
    ]
    commands += [
        c.RecordPovertyStatus(
            command_id=f"{tag}poverty-status:{ref}:{i + 1}",
            patient_ref=ref,
            status=record.status,
            effective_from=record.effective_from,
            reason=record.reason,
        )
        for i, record in enumerate(p.statuses)
    ]
    commands += [
        c.CertifyChronicDisease(
            command_id=f"{tag}chronic-certificate:{ref}:{cert.disease}",
            patient_ref=ref,
            disease=cert.disease,
            valid_from=cert.valid_from,
            valid_to=cert.valid_to,
        )
        for cert in p.chronic
    ]
    commands += [
        c.ConfirmMajorDisease(
            command_id=f"{tag}major-disease:{ref}:{diagnosis.disease}",
            patient_ref=ref,
            disease=diagnosis.disease,
            confirmed_on=diagnosis.confirmed_on,
        )
        for diagnosis in p.major
    ]
    commands += [
        c.SignFamilyDoctorContract(
            command_id=f"{tag}doctor-contract:{ref}:{i + 1}",
            patient_ref=ref,
            doctor=contract.doctor,
            signed_on=contract.signed_on,
        )
        for i, contract in enumerate(p.contracts)
    ]
    commands += [
        c.RecordFollowUp(
            command_id=f"{tag}follow-up:{ref}:{i + 1}",
            patient_ref=ref,
            followed_up_on=f.followed_up_on,
            heart_rate=f.heart_rate,
            blood_glucose=f.blood_glucose,
            systolic=f.systolic,
            diastolic=f.diastolic,
        )
        for i, f in enumerate(p.follow_ups)
    ]
    return commands + hainan_patient_commands(plan, p, tag)


def hainan_patient_commands(plan: CountyPlan, p: PatientPlan, tag: str = "") -> list[c.Command]:
    """Hainan's 三个一批 facts of a patient (none for a Langxi plan)."""
    ref = p.ref
    commands: list[c.Command] = [
        c.RecordTreatmentPlan(
            command_id=f"{tag}treatment-plan:{ref}:{record.disease}:{i + 1}",
            patient_ref=ref,
            disease=record.disease,
            treatment=record.treatment,
            decided_on=record.decided_on,
            expert_group=f"{plan.region} 县级专家组",
        )
        for i, record in enumerate(p.treatment_plans)
    ]
    commands += [
        c.RecordCharityGrant(
            command_id=f"{tag}charity-grant:{ref}:{record.grant_ref}",
            patient_ref=ref,
            grant_ref=record.grant_ref,
            year=plan.year,
            amount=record.amount,
            granted_on=record.granted_on,
        )
        for record in p.charity_grants
    ]
    if p.health_card is not None:
        card_no, issued_on = p.health_card
        commands.append(
            c.IssueHealthCard(
                command_id=f"{tag}health-card:{ref}", patient_ref=ref, card_no=card_no, issued_on=issued_on
            )
        )
    commands += [
        c.RecordHealthCheckUp(command_id=f"{tag}check-up:{ref}:{day.year}", patient_ref=ref, checked_on=day)
        for day in p.check_ups
    ]
    commands += [
        c.ClassifyChronicRisk(
            command_id=f"{tag}risk-class:{ref}:{i + 1}",
            patient_ref=ref,
            risk=record.risk,
            classified_on=record.classified_on,
        )
        for i, record in enumerate(p.risk_classes)
    ]
    return commands


def visit_commands(v: VisitPlan, tag: str = "") -> list[c.Command]:
    """A visit's hospital-window commands: admission, charge lines, discharge, settlement at discharge 18:00."""
    ref = v.ref
    commands: list[c.Command] = [
        c.RegisterAdmission(
            command_id=f"{tag}admission:{ref}",
            admission_ref=ref,
            patient_ref=v.patient_ref,
            kind=v.kind,
            hospital_code=v.hospital.code,
            admitted_on=v.admitted_on,
            referred=v.referred,
            diagnosis=v.diagnosis,
        )
    ]
    commands += [
        charge_line(  # a catalogue line: the category's item (in catalogue or self-pay), quantity 1
            command_id=f"{tag}charge:{ref}:{line.line_no}",
            admission_ref=ref,
            line_no=line.line_no,
            category=line.category,
            amount=line.amount,
            compliant=line.compliant,
        )
        for line in v.lines
    ]
    commands.append(c.Discharge(command_id=f"{tag}discharge:{ref}", admission_ref=ref, discharged_on=v.discharged_on))
    commands.append(c.SettleAdmission(command_id=f"{tag}settle:{ref}", admission_ref=ref, settled_at=settled_at(v)))
    return commands


def plan_hospitals(plan: CountyPlan) -> list[Hospital]:
    """The hospitals to register before a plan's admissions: its region's registry, then any other a visit names."""
    registry = hainan.ALL_HOSPITALS if plan.region == hainan.REGION else ALL_HOSPITALS
    hospitals = {h.code: h for h in registry}
    for visit in plan.visits:
        hospitals.setdefault(visit.hospital.code, visit.hospital)
    return list(hospitals.values())


def load_plan(ledger: Any, plan: CountyPlan, *, progress: Progress | None = None) -> LoadReport:
    """Publish the plan region's default policy, then every patient's facts, then every visit, settled at
    discharge."""
    document = load_default_policy(plan.region)
    if document.effective_from.year > plan.year:
        raise ValueError(f"the default policy takes effect on {document.effective_from}, after {plan.year} began")
    started = time.perf_counter()
    before = ledger.recorder.max_notification_id() or 0
    loader = _Loader(ledger)
    loader.run(c.PublishPolicyVersion.of(document, command_id=f"default-policy:{document.region}:{document.version}"))
    payload = hainan.registry_payload if plan.region == hainan.REGION else Hospital.as_payload
    for hospital in plan_hospitals(plan):  # the hospital registry (admin master data) before any admission
        loader.run(register_hospital_command(payload(hospital)))
    total, done = len(plan.patients) + len(plan.visits), 0
    for patient in plan.patients:
        loader.patient(plan, patient)
        done += 1
        if progress is not None:
            progress(done, total)
    for visit in plan.visits:
        loader.visit(visit)
        done += 1
        if progress is not None:
            progress(done, total)
    after = ledger.recorder.max_notification_id() or 0
    return LoadReport(
        len(plan.patients),
        len(plan.visits),
        loader.commands,
        loader.appended,
        loader.commands - loader.appended,
        loader.settlements,
        before,
        after,
        time.perf_counter() - started,
    )

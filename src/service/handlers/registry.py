"""Handlers of the hospital registry: registration and effective-dated changes (admin only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.aggregates.registered_hospital import RegisteredHospital, registered_hospital_id
from domain.errors import AlreadyExistsError
from service.commands.registry import ChangeHospital, CloseHospital, RegisterHospital
from service.handlers import handles, written
from service.idempotency import Outcome, check_expected_version

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(RegisterHospital)
def register_hospital(ledger: BenefitLedger, cmd: RegisterHospital) -> Outcome:
    if registered_hospital_id(cmd.hospital_code) in ledger.repository:
        raise AlreadyExistsError(
            f"hospital {cmd.hospital_code} is already registered; change its attributes with change_hospital"
        )
    hospital = RegisteredHospital(hospital_code=cmd.hospital_code, record=RegisteredHospital.checked(cmd.record()))
    return Outcome([hospital], written(hospital))


@handles(ChangeHospital)
def change_hospital(ledger: BenefitLedger, cmd: ChangeHospital) -> Outcome:
    hospital = ledger.get_registered_hospital(cmd.hospital_code)
    check_expected_version(hospital, cmd.expected_version)
    base = hospital.record_on(cmd.effective_from) or hospital.latest
    hospital.change(cmd.applied_to(base))
    return Outcome([hospital], written(hospital))


@handles(CloseHospital)
def close_hospital(ledger: BenefitLedger, cmd: CloseHospital) -> Outcome:
    hospital = ledger.get_registered_hospital(cmd.hospital_code)
    check_expected_version(hospital, cmd.expected_version)
    hospital.close(cmd.last_day, cmd.reason)
    return Outcome([hospital], written(hospital))

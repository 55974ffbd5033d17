"""The hospital registry (master data, admin only): register a hospital, change its attributes.

A change is a new effective-dated record (domain.registry.hospitals); nothing is updated or deleted.
Admissions name a hospital code only; the ledger reads tier and flags from the record in force.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import model_validator

from domain.registry.hospitals import HospitalRecord
from domain.vocabulary import Tier
from service.commands.base import Command, VersionedCommand
from service.commands.fields import Day, Flag, Ref, Text, TierName
from service.roles import Role

REGISTRY_ROLES = frozenset({Role.ADMIN})


class RegisterHospital(Command):
    """Register a hospital: code, name, tier, where it is, whether NCMS-designated, the major-disease
    programmes it is a designated centre for (定点医院), in force from `effective_from` (to `effective_to`)."""

    roles: ClassVar[frozenset[Role]] = REGISTRY_ROLES

    command: Literal["register_hospital"] = "register_hospital"
    hospital_code: Ref
    name: Text
    tier: TierName
    county_code: Ref
    """the county the hospital is in (a township or county hospital of the patient's county is in-county)"""
    township: Text = ""
    in_province: Flag = True
    ncms_designated: Flag = True
    """an NCMS-designated (定点) hospital"""
    designated_centre_for: tuple[Ref, ...] = ()
    """major-disease codes it is a designated treatment centre for"""
    effective_from: Day
    effective_to: Day | None = None
    """inclusive; none: open-ended"""

    @model_validator(mode="after")
    def _consistent(self) -> RegisterHospital:
        problem = self.record().check_consistent()
        if problem is not None:
            raise ValueError(problem)
        if len(set(self.designated_centre_for)) != len(self.designated_centre_for):
            raise ValueError("designated_centre_for: a disease is listed twice")
        return self

    def record(self) -> HospitalRecord:
        return HospitalRecord(
            code=self.hospital_code,
            name=self.name,
            tier=Tier(self.tier),
            county_code=self.county_code,
            township=self.township,
            in_province=self.in_province,
            ncms_designated=self.ncms_designated,
            designated_centre_for=tuple(self.designated_centre_for),
            effective_from=self.effective_from,
            effective_to=self.effective_to,
        )


class ChangeHospital(VersionedCommand):
    """Change a registered hospital's attributes from `effective_from` (to `effective_to`): a new record.

    Attributes not given are those of the record in force on `effective_from` (or the latest one).
    """

    roles: ClassVar[frozenset[Role]] = REGISTRY_ROLES

    command: Literal["change_hospital"] = "change_hospital"
    hospital_code: Ref
    effective_from: Day
    effective_to: Day | None = None
    """inclusive; none: open-ended"""
    name: Text | None = None
    tier: TierName | None = None
    county_code: Ref | None = None
    township: Text | None = None
    in_province: Flag | None = None
    ncms_designated: Flag | None = None
    designated_centre_for: tuple[Ref, ...] | None = None

    @model_validator(mode="after")
    def _dates(self) -> ChangeHospital:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def applied_to(self, base: HospitalRecord) -> HospitalRecord:
        def pick(value: object, default: object) -> object:
            return default if value is None else value

        centres = self.designated_centre_for
        return HospitalRecord(
            code=base.code,
            name=str(pick(self.name, base.name)),
            tier=Tier(pick(self.tier, base.tier)),
            county_code=str(pick(self.county_code, base.county_code)),
            township=str(pick(self.township, base.township)),
            in_province=bool(pick(self.in_province, base.in_province)),
            ncms_designated=bool(pick(self.ncms_designated, base.ncms_designated)),
            designated_centre_for=base.designated_centre_for if centres is None else tuple(centres),
            effective_from=self.effective_from,
            effective_to=self.effective_to if isinstance(self.effective_to, date) else None,
        )


class CloseHospital(VersionedCommand):
    """Close a hospital's registration after `last_day` (inclusive), recorded on any later day: admissions
    whose day falls after it are refused; settlements already made with a later service date become
    pending recalculation (a late registry fact)."""

    roles: ClassVar[frozenset[Role]] = REGISTRY_ROLES

    command: Literal["close_hospital"] = "close_hospital"
    hospital_code: Ref
    last_day: Day
    """the last day the registration is in force (inclusive)"""
    reason: Text = ""

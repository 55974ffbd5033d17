"""Who may run which command: the roles, how a command names the hospital or fund it acts for, and the check.

The table of permissions is not written here: each command class says which roles may run it
(`Command.roles`) and how its scope target is found (`hospital_scope`, `fund_scope`); `commands_by_role()`
reads the table off the classes. The API's access module (api.access) re-exports what routes need;
nothing here imports FastAPI.

| role              | may run                                                                          |
|-------------------|----------------------------------------------------------------------------------|
| `admin`           | the patient registry, policy versions and their recalculations                   |
| `hospital`        | admissions, charge lines, discharge, settlement, patient refunds: own window only  |
| `payment_service` | fund reimbursements of its own fund; "5090" compensation when bound to `s5090`     |
| `auditor`         | audit findings, withdrawals, patient-year recalculations                          |
| `dashboard`       | no command                                                                        |
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from domain.errors import LedgerError

if TYPE_CHECKING:
    from service.commands.base import Command


class Role(str, Enum):
    ADMIN = "admin"
    HOSPITAL = "hospital"
    PAYMENT_SERVICE = "payment_service"
    AUDITOR = "auditor"
    DASHBOARD = "dashboard"


class ForbiddenError(LedgerError):
    status = 403
    title = "Outside this client's scope"


class ScopeLookup(Protocol):
    """What a scope check may ask the ledger: the hospital of an admission or finding (None: not there)."""

    def hospital_of_admission(self, admission_ref: str) -> str | None: ...

    def hospital_of_finding(self, finding_ref: str) -> str | None: ...


def _field(command: Command, dotted: str) -> str | None:
    value: object = command
    for part in dotted.split("."):
        value = getattr(value, part, None)
    return None if value is None else str(getattr(value, "value", value))


# ---- how a command names its hospital ----------------------------------------------------------
@dataclass(frozen=True)
class HospitalCode:
    """The hospital is named by a field of the command (dotted, e.g. `hospital.code`)."""

    field: str

    def of(self, command: Command, lookup: ScopeLookup) -> str | None:
        return _field(command, self.field)


@dataclass(frozen=True)
class HospitalOfAdmission:
    """The hospital is the one the named admission was registered at."""

    field: str = "admission_ref"

    def of(self, command: Command, lookup: ScopeLookup) -> str | None:
        ref = _field(command, self.field)
        return None if ref is None else lookup.hospital_of_admission(ref)


@dataclass(frozen=True)
class HospitalOfFinding:
    """The hospital is the one the named audit finding was recorded against."""

    field: str = "finding_ref"

    def of(self, command: Command, lookup: ScopeLookup) -> str | None:
        ref = _field(command, self.field)
        return None if ref is None else lookup.hospital_of_finding(ref)


HospitalScope = HospitalCode | HospitalOfAdmission | HospitalOfFinding


# ---- how a command names its fund --------------------------------------------------------------
@dataclass(frozen=True)
class FundField:
    """The fund is named by a field of the command."""

    field: str = "fund"

    def of(self, command: Command) -> str | None:
        return _field(command, self.field)


@dataclass(frozen=True)
class FixedFund:
    """The command always pays from one fund (e.g. "5090" compensation: `s5090`)."""

    fund: str

    def of(self, command: Command) -> str | None:
        return self.fund


FundScope = FundField | FixedFund


# ---- the check ---------------------------------------------------------------------------------
def authorize(
    command: Command, role: Role, lookup: ScopeLookup, *, name: str, hospital: str | None, fund: str | None
) -> None:
    """Refuse (403) a command outside the role, or outside the client's own hospital or fund."""
    kind = type(command)
    if role not in kind.roles:
        raise ForbiddenError(f"the {role.value} role may not {kind.command_name().replace('_', ' ')}")
    if role is Role.HOSPITAL and kind.hospital_scope is not None:
        target = kind.hospital_scope.of(command, lookup)
        if target is not None and target != hospital:
            raise ForbiddenError(f"hospital client {name} acts only at its own window ({hospital}), not for {target}")
    if role is Role.PAYMENT_SERVICE and kind.fund_scope is not None:
        target = kind.fund_scope.of(command)
        if target != fund:
            raise ForbiddenError(f"payment service {name} pays only for its own fund ({fund}), not {target}")


def commands_by_role() -> dict[Role, frozenset[str]]:
    """The permission table, read off the command classes."""
    from service.commands import COMMANDS

    return {role: frozenset(n for n, kind in COMMANDS.items() if role in kind.roles) for role in Role}

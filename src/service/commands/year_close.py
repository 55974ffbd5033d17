"""Year close (年度结算) of a county-year, and late claims (零星报销) settled against a closed year."""

from __future__ import annotations

from typing import ClassVar, Literal

from service.commands.base import Command
from service.commands.fields import Reason, Ref, Year
from service.roles import Role

CLOSE_ROLES = frozenset({Role.ADMIN})
LATE_CLAIM_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})


class CloseCountyYear(Command):
    """Close a county-year: its closing figures (per fund: benefit, advances, owed, compensation, counts;
    the fund budgets) are computed from the log and kept in the close event; afterwards the window can no
    longer settle or reverse a settlement of the county-year. Once only (never reopened)."""

    roles: ClassVar[frozenset[Role]] = CLOSE_ROLES
    batchable: ClassVar[bool] = False  # reads every patient-year of the county-year

    command: Literal["close_county_year"] = "close_county_year"
    county_code: Ref
    year: Year
    reason: Reason


class SettleLateClaim(Command):
    """Settle a discharged admission of a closed county-year (零星报销) as an adjustment against the closed year
    (policy `year_close.late_claims`): the settlement is recorded in its patient-year as any other, and
    against the close as a late claim, so the close report shows it as a restatement."""

    roles: ClassVar[frozenset[Role]] = LATE_CLAIM_ROLES

    command: Literal["settle_late_claim"] = "settle_late_claim"
    admission_ref: Ref
    reason: Reason

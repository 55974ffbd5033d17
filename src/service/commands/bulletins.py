"""County bulletins (月点评 / 季通报): issued once per county and period, their figures frozen in the event."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from service.commands.base import Command
from service.commands.fields import MonthNumber, QuarterNumber, Ref, Year
from service.roles import Role


class IssueBulletin(Command):
    """Issue the county's bulletin of a month (月点评) or a quarter (季通报): its figures are read from the
    projections caught up to the ledger's head and frozen in the event; a later recalculation shows as a
    restatement against it. Once per county and period (a second issue is a 409)."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.ADMIN})
    batchable: ClassVar[bool] = False  # it reads the read models at the log's head: never inside a batch

    command: Literal["issue_bulletin"] = "issue_bulletin"
    county_code: Ref
    year: Year
    month: MonthNumber | None = None
    """the month of a monthly bulletin (1-12); not with quarter"""
    quarter: QuarterNumber | None = None
    """the quarter of a quarterly bulletin (1-4); not with month"""

    @model_validator(mode="after")
    def _one_period(self) -> IssueBulletin:
        if (self.month is None) == (self.quarter is None):
            raise ValueError("give a month or a quarter (one of them)")
        return self

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else f"{self.year}-Q{self.quarter}"

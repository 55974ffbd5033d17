"""Handlers of the year close (年度结算) and of late claims (零星报销) against a closed county-year."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.aggregates.year_close import YearClose
from domain.errors import AlreadyExistsError, StateConflictError
from service.commands.year_close import CloseCountyYear, SettleLateClaim
from service.handlers import handles
from service.handlers.admissions import settle
from service.idempotency import Outcome
from service.year_close import figures_now, year_close_of

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(CloseCountyYear)
def close_county_year(ledger: BenefitLedger, cmd: CloseCountyYear) -> Outcome:
    existing = year_close_of(ledger, cmd.county_code, cmd.year)
    if existing is not None:
        raise AlreadyExistsError(f"county-year {cmd.county_code}/{cmd.year} is already closed: {existing.describe()}")
    closed_at = ledger.clock.now()
    if closed_at.year <= cmd.year:
        raise StateConflictError(f"county-year {cmd.county_code}/{cmd.year} closes after its end, not on {closed_at}")
    figures = figures_now(ledger, cmd.county_code, cmd.year)
    close = YearClose(
        county_code=cmd.county_code,
        year=cmd.year,
        close_ref=f"{cmd.county_code}/{cmd.year}",
        reason=cmd.reason,
        closed_at=closed_at.isoformat(),
        figures=figures,
    )
    return Outcome(
        [close],
        {"county_code": cmd.county_code, "year": cmd.year, "closed_at": close.closed_at, "closing_figures": figures},
    )


@handles(SettleLateClaim)
def settle_late_claim(ledger: BenefitLedger, cmd: SettleLateClaim) -> Outcome:
    return settle(ledger, cmd.admission_ref, None, None, late_claim_reason=cmd.reason)

"""Handler of IssueBulletin: the period's figures, read from the projections at the log's head, frozen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.aggregates.bulletin import Bulletin, bulletin_id
from domain.errors import AlreadyExistsError
from service.commands.bulletins import IssueBulletin
from service.handlers import handles, written
from service.idempotency import Outcome

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(IssueBulletin)
def issue_bulletin(ledger: BenefitLedger, cmd: IssueBulletin) -> Outcome:
    from projections.bulletin_figures import Period, bulletin_figures
    from projections.report_reader import reader_for

    period = Period(cmd.year, cmd.month, cmd.quarter)
    if bulletin_id(cmd.county_code, period.key) in ledger.repository:
        raise AlreadyExistsError(
            f"the bulletin of county {cmd.county_code} for {period.key} is already issued (its figures are frozen; "
            "a later change shows as a restatement against it)"
        )
    views, position = reader_for(ledger).fresh()
    figures = bulletin_figures(views, cmd.county_code, period)
    bulletin = Bulletin(
        county_code=cmd.county_code, period=period.key, kind=period.kind, figures=figures, log_position=position
    )
    return Outcome([bulletin], {**written(bulletin), "county_code": cmd.county_code, "period": period.key})

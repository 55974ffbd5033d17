"""Bulletin: a county's monthly (月点评) or quarterly (季通报) bulletin, issued once with its figures frozen.

The `Issued` event carries every figure as it stood when the bulletin was issued (plain JSON: money and
ratios as decimal text), so the issued bulletin reads the same for ever; a later retroactive recalculation
changes the period's figures in the read models and shows as a restatement against this one (never by
changing it). A bulletin is issued once per county and period: its id is uuid5("bulletin/<county>/<period>").
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import ids


def bulletin_id(county_code: str, period: str) -> UUID:
    return uuid5(ids.NAMESPACE, f"bulletin/{county_code}/{period}")


class Bulletin(Aggregate):
    TOPIC = "ledger:Bulletin"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Bulletin.Created"

    @staticmethod
    def create_id(county_code: str, period: str, **_: Any) -> UUID:
        return bulletin_id(county_code, period)

    @event("Issued", topic="ledger:Bulletin.Issued")
    def __init__(self, county_code: str, period: str, kind: str, figures: dict[str, Any], log_position: int) -> None:
        self.county_code = county_code
        self.period = period
        self.kind = kind
        self.figures = figures
        self.log_position = log_position  # the ledger's notification id the figures were read at

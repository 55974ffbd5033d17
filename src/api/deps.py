"""Typed dependencies and what every route shares.

`answer`: 201 the first time a command is handled; 200 with the same body when the command id
is replayed (the header `Idempotency-Replayed: true` says so).
`get_fresh_views`: report routes read the view store after catching it up to the ledger's head
(`?fresh=false` reads it as it stands).
`Page`: `limit` and `offset` of a list route; the query applies them (LIMIT/OFFSET) and counts the whole list.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response

from projections.runner import Runner
from projections.store import ViewStore
from service.commands.fields import YEAR_MAX, YEAR_MIN, Ref
from service.ledger import BenefitLedger

REPLAYED_HEADER = "Idempotency-Replayed"


async def get_ledger(request: Request) -> BenefitLedger:
    """The one ledger the lifespan built (override in tests with `app.dependency_overrides`)."""
    ledger: BenefitLedger = request.app.state.ledger
    return ledger


def get_fresh_views(
    request: Request,
    fresh: Annotated[
        bool, Query(description="catch the read models up to the ledger's head first (false: read them as they stand)")
    ] = True,
) -> ViewStore:
    """The view store the lifespan opened, caught up in-process so a read sees what was just written."""
    if fresh:
        runner: Runner = request.app.state.catch_up
        runner.run_once(until_head=True)
    views: ViewStore = request.app.state.views
    return views


LedgerDep = Annotated[BenefitLedger, Depends(get_ledger)]
ViewsDep = Annotated[ViewStore, Depends(get_fresh_views)]
RefPath = Annotated[Ref, Path()]
YearPath = Annotated[int, Path(ge=YEAR_MIN, le=YEAR_MAX)]


def answer(response: Response, result: dict[str, Any]) -> dict[str, Any]:
    """The command's result without the replay flag, so a replay returns the very same body."""
    replayed = bool(result.get("replayed"))
    if replayed:
        response.status_code = 200
        response.headers[REPLAYED_HEADER] = "true"
    return {key: value for key, value in result.items() if key != "replayed"}


class Page:
    """`limit` and `offset` query parameters of a list."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=1000, description="items per page")] = 100,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset

    def of(self, count: int, key: str, items: list[Any]) -> dict[str, Any]:
        """A page the query already cut (`items`) out of `count` items; `next_offset` is null on the last page."""
        following = self.offset + self.limit
        return {
            "count": count,
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": following if following < count else None,
            key: items,
        }


PageDep = Annotated[Page, Depends(Page)]

"""Typed dependencies and the two rules every write route shares.

`command_id_of`: the client command id comes from the body or from an `Idempotency-Key` header.
`answer`: 201 the first time a command is handled; 200 with the same body when the command id
is replayed (the header `Idempotency-Replayed: true` says so).
`get_fresh_views`: report routes read the view store after catching it up to the ledger's head
(`?fresh=false` reads it as it stands).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from api.schemas import COMMAND_ID_LENGTH_MAX, REF_LENGTH_MAX, CommandBase
from projections.runner import Runner
from projections.store import ViewStore
from service.ledger import BenefitLedger

REPLAYED_HEADER = "Idempotency-Replayed"


def get_ledger(request: Request) -> BenefitLedger:
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
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=COMMAND_ID_LENGTH_MAX)]
RefPath = Annotated[str, Path(min_length=1, max_length=REF_LENGTH_MAX)]
YearPath = Annotated[int, Path(ge=2000, le=2100)]


def command_id_of(body: CommandBase, idempotency_key: str | None) -> str:
    """The body's command id, else the header's; both given must agree."""
    if body.command_id and idempotency_key and body.command_id != idempotency_key:
        _refuse("command_id", "differs from the Idempotency-Key header; send one id")
    command_id = body.command_id or idempotency_key
    if not command_id:
        _refuse("command_id", "give command_id in the body or an Idempotency-Key header")
    assert command_id is not None
    return command_id


def answer(response: Response, result: dict[str, Any]) -> dict[str, Any]:
    """The command's result without the replay flag, so a replay returns the very same body."""
    replayed = bool(result.get("replayed"))
    if replayed:
        response.status_code = 200
        response.headers[REPLAYED_HEADER] = "true"
    return {key: value for key, value in result.items() if key != "replayed"}


def _refuse(field: str, message: str) -> None:
    raise RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": None, "ctx": {"error": message}}]
    )


class Page:
    """`limit` and `offset` query parameters of a list; `paged` slices the list and says where the next page starts."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=1000, description="items per page")] = 100,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset

    def paged(self, items: list[Any], key: str) -> dict[str, Any]:
        """`count` is the whole list's length; `next_offset` is null on the last page."""
        chunk = items[self.offset : self.offset + self.limit]
        following = self.offset + self.limit
        return {
            "count": len(items),
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": following if following < len(items) else None,
            key: chunk,
        }


PageDep = Annotated[Page, Depends(Page)]

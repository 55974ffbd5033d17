"""Batches: a payment file's commands appended in one transaction (all or nothing)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.access import PrincipalDep, authorize_command
from api.deps import LedgerDep
from api.responses import plain
from api.schemas.batches import BatchCreate, BatchResultPublic
from service.batch import parse_batch, run_batch

router = APIRouter(tags=["batches"])


@router.post("/batches", status_code=201, response_model=BatchResultPublic)
@router.post("/batch", status_code=201, response_model=BatchResultPublic, include_in_schema=False)
def append_batch(body: BatchCreate, ledger: LedgerDep, principal: PrincipalDep, response: Response) -> Any:
    """Append many commands in ONE transaction: every command is parsed by its own model (the same rules and
    problems as its single route, plus the `index`), checked against the caller's role and scope, keeps its
    own command id (a replayed one returns its first result), and sees what the earlier commands of the batch
    did. Any refused command refuses the whole batch (its `index` is in the problem); nothing is written.
    200 when every command was a replay."""
    commands = parse_batch(body.commands)
    results = run_batch(ledger, commands, authorize=lambda command: authorize_command(principal, ledger, command))
    replayed = sum(1 for r in results if r["replayed"])
    if replayed == len(results):
        response.status_code = 200
    return {"count": len(results), "appended": len(results) - replayed, "replayed": replayed, "results": plain(results)}

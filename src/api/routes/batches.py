"""Batches: a payment file's commands appended in one transaction (all or nothing)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.access import PrincipalDep, authorize_command
from api.deps import LedgerDep
from api.responses import plain
from api.schemas import COMMAND_ID_LENGTH_MAX
from service.batch import BATCH_SIZE_MAX, run_batch

router = APIRouter(tags=["batches"])


class BatchCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: str = Field(
        description="a command name, e.g. register_admission, post_charge_line, settle_admission", max_length=60
    )
    command_id: str = Field(min_length=1, max_length=COMMAND_ID_LENGTH_MAX)
    args: dict[str, Any] = Field(
        default_factory=dict,
        description="the command's arguments, as its single "
        "endpoint takes them plus the path's refs (e.g. admission_ref)",
    )


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commands: list[BatchCommand] = Field(min_length=1, max_length=BATCH_SIZE_MAX)


class BatchResultPublic(BaseModel):
    count: int
    appended: int
    replayed: int
    results: list[dict[str, Any]]


@router.post("/batches", status_code=201, response_model=BatchResultPublic)
@router.post("/batch", status_code=201, response_model=BatchResultPublic, include_in_schema=False)
def append_batch(body: BatchCreate, ledger: LedgerDep, principal: PrincipalDep, response: Response) -> Any:
    """Append many commands in ONE transaction: every command is checked against the caller's role and
    scope, keeps its own command id (a replayed one returns its first result), and sees what the earlier
    commands of the batch did. Any refused command refuses the whole batch (its `index` is in the problem);
    nothing is written. 200 when every command was a replay."""
    results = run_batch(
        ledger,
        [c.model_dump() for c in body.commands],
        authorize=lambda name, args: authorize_command(principal, ledger, name, args),
    )
    replayed = sum(1 for r in results if r["replayed"])
    if replayed == len(results):
        response.status_code = 200
    return {"count": len(results), "appended": len(results) - replayed, "replayed": replayed, "results": plain(results)}

"""The batch body and its answer: one entry per command, in the batch / JSON Lines spelling."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.batch import BATCH_SIZE_MAX
from service.commands import COMMANDS


class BatchCreate(BaseModel):
    """`commands`: entries `{"command": <name>, "command_id": ..., "args": {...}}`; each is parsed as its
    command's model, exactly as its single route parses it (the path's refs go among the args, and so does
    `expected_version`)."""

    model_config = ConfigDict(extra="forbid")

    commands: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=BATCH_SIZE_MAX,
        description="entries {command, command_id, args}; command is one of " + ", ".join(COMMANDS),
    )


class BatchItemPublic(BaseModel):
    index: int
    command: str
    command_id: str
    replayed: bool
    result: dict[str, Any]


class BatchResultPublic(BaseModel):
    count: int
    appended: int
    replayed: int
    results: list[BatchItemPublic]

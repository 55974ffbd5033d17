"""API-client responses: never a token; the digest only as its first 12 hex digits."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ApiClientPublic(BaseModel):
    id: str
    version: int
    name: str
    role: str
    fund: str | None = None
    hospital: str | None = None
    revoked: bool
    token_sha256_prefix: str


class ApiClientList(BaseModel):
    clients: list[ApiClientPublic]


class ApiClientEvent(BaseModel):
    version: int
    kind: str  # Added | Revoked | Rotated
    recorded_at: str
    command_id: str
    details: dict[str, Any]


class ApiClientHistory(BaseModel):
    name: str
    events: list[ApiClientEvent]

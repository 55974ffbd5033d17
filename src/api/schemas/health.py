"""Liveness and readiness responses."""

from __future__ import annotations

from pydantic import BaseModel


class HealthPublic(BaseModel):
    store: str  # sqlite, postgres or memory
    ok: bool

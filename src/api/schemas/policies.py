"""Policy-version responses: a region's register and one version's parameters with their confidence labels."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


# ---- policy versions ---------------------------------------------------------------------------
class PolicyPublishedPublic(BaseModel):
    policy_version_id: str
    region: str
    version: str


class RegisterEntryPublic(BaseModel):
    version: str
    policy_version_id: str
    effective_from: str
    published_at: str


class PolicyRegisterPublic(BaseModel):
    """A region's policy versions in publication order."""

    region: str
    count: int
    versions: list[RegisterEntryPublic]


class PolicyVersionPublic(BaseModel):
    """Parameters as published (plain values) and the confidence label of each dotted parameter path."""

    policy_version_id: str
    region: str
    version: str
    effective_from: str
    published_at: str
    title: str
    parameters: dict[str, Any]
    confidence: dict[str, str]

"""Retroactive recalculation and compensation responses.

A recalculation re-settles a patient-year under the versions in force as known at `known_at`;
per settlement it reports each payer's delta (new - current, may be negative) and the
compensation owed to the patient (never negative: patients are not clawed back).
"""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import Delta, Money


class RecalculationItemPublic(BaseModel):
    settlement_id: str
    policy_version_before: str
    policy_version_after: str
    payer_deltas: dict[str, Delta]
    patient_share_original: Money
    patient_share_before: Money
    patient_share_after: Money
    compensation_owed: Money
    changed: bool
    catalogue_versions: dict[str, str] | None = None
    """line number -> the catalogue version each charge line was re-classified by (absent: no catalogue line)"""


class RecalculationPublic(BaseModel):
    """`changed` is false when no settlement moved; then a RecalculationChecked event records that the year's
    facts were re-read (a late fact is applied with no money moving)."""

    patient_ref: str
    year: int
    changed: bool
    items: list[RecalculationItemPublic]


class ChangedYearPublic(BaseModel):
    patient_ref: str
    year: int
    compensation_owed: Money


class PolicyRecalculationPublic(BaseModel):
    """The region's patient-years the version can affect (`examined`) and those it changed."""

    region: str
    version: str
    examined: int
    changed_count: int
    compensation_owed: Money
    changed: list[ChangedYearPublic]  # at most 1,000 listed; the retro_compensation report has every item


class CompensationPaidPublic(BaseModel):
    settlement_id: str
    outstanding: Money

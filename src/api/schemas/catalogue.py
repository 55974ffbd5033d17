"""Catalogue-version responses."""

from __future__ import annotations

from pydantic import BaseModel


class CataloguePublishedPublic(BaseModel):
    region: str
    version: str
    effective_from: str
    published_at: str

"""Catalogue (三目录) versions: published as effective-dated data, like policy versions (admin)."""

from __future__ import annotations

from fastapi import APIRouter

from api.command_route import command_route
from api.schemas.catalogue import CataloguePublishedPublic
from service.commands import PublishCatalogueVersion

router = APIRouter(prefix="/catalogue-versions", tags=["catalogue-versions"])


command_route(router, "", PublishCatalogueVersion, CataloguePublishedPublic)

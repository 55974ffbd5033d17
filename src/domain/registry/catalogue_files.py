"""The catalogue versions shipped beside the policy files (src/domain/policy/catalogue_*.toml).

Reading the shipped data files is this module's only I/O (as domain.policy.loader's is).
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

from domain.registry.catalogue import Catalogue, CatalogueError, catalogue_in_force, parse_catalogue

SHIPPED_CATALOGUE_FILES = ("catalogue_langxi.toml", "catalogue_qiongzhong.toml")


def load_catalogue_file(path: Path | str) -> Catalogue:
    with open(path, "rb") as f:
        try:
            return parse_catalogue(tomllib.load(f))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path}: not valid TOML: {exc}") from None


@cache
def shipped_catalogues() -> tuple[Catalogue, ...]:
    """Every shipped catalogue version (parsed once; versions are immutable)."""
    found = []
    for name in SHIPPED_CATALOGUE_FILES:
        with resources.files("domain.policy").joinpath(name).open("rb") as f:
            found.append(parse_catalogue(tomllib.load(f)))
    versions = [(c.region, c.version) for c in found]
    if len(set(versions)) != len(versions):
        raise CatalogueError("two shipped catalogue files have the same region and version")
    return tuple(found)


def shipped_catalogue_in_force(region: str, day: date) -> Catalogue | None:
    return catalogue_in_force(shipped_catalogues(), region, day)


def shipped_catalogue(region: str, version: str) -> Catalogue | None:
    return next((c for c in shipped_catalogues() if c.region == region and c.version == version), None)

"""Reads shipped policy data files (TOML with confidence-annotated leaves)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from domain.policy.parameters import PolicyParameters
from domain.policy.parsing import PolicyError, unwrap

DEFAULT_POLICY_FILE = "langxi_default.toml"


@dataclass(frozen=True)
class PolicyDocument:
    """A policy version as read from a data file, before it is published to the ledger."""

    region: str
    version: str
    effective_from: date
    published_at: datetime
    title: str
    parameters: dict[str, Any]  # plain values, as events store them
    confidence: dict[str, str]  # dotted parameter path -> confidence label


def parse_document(tree: dict[str, Any]) -> PolicyDocument:
    """Validate a whole policy document (meta + parameters) and split off the confidence labels."""
    meta = tree.get("meta")
    if not isinstance(meta, dict):
        raise PolicyError("meta: missing section")
    body = {k: v for k, v in tree.items() if k != "meta"}
    plain, confidence = unwrap(body)
    PolicyParameters.from_mapping(plain)  # validates, raises PolicyError
    try:
        effective_from = date.fromisoformat(str(meta["effective_from"]))
        published_at = datetime.fromisoformat(str(meta["published_at"]))
    except (KeyError, ValueError) as exc:
        raise PolicyError(f"meta: effective_from / published_at: {exc}") from None
    if published_at.tzinfo is None:
        raise PolicyError("meta.published_at: needs a UTC offset, e.g. 2018-07-01T00:00:00+08:00")
    return PolicyDocument(
        str(meta.get("region", "")),
        str(meta.get("version", "")),
        effective_from,
        published_at,
        str(meta.get("title", "")),
        plain,
        confidence,
    )


def load_policy_file(path: Path | str) -> PolicyDocument:
    with open(path, "rb") as f:
        try:
            tree = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from None
    return parse_document(tree)


def load_default_policy() -> PolicyDocument:
    """The Langxi default version shipped with the ledger."""
    with resources.files("domain.policy").joinpath(DEFAULT_POLICY_FILE).open("rb") as f:
        return parse_document(tomllib.load(f))

"""Reads policy data files (TOML with confidence-annotated leaves), and the default versions shipped per region.

Shipped defaults: Langxi County (341821, `langxi_default.toml`) and Qiongzhong County, Hainan (469030,
`hainan_default.toml`). Langxi is the default region wherever one is implied.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from domain.policy.parameters import PolicyParameters
from domain.policy.parsing import PolicyError, unwrap

DEFAULT_REGION = "341821"  # Langxi: the region meant wherever a caller names none
DEFAULT_POLICY_FILES = {
    "341821": "langxi_default.toml",  # 郎溪县, Xuancheng, Anhui
    "469030": "hainan_default.toml",  # 琼中黎族苗族自治县, Hainan
}
DEFAULT_POLICY_FILE = DEFAULT_POLICY_FILES[DEFAULT_REGION]


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


def shipped_regions() -> tuple[str, ...]:
    """The regions a default policy version is shipped for, the default region first."""
    return tuple(DEFAULT_POLICY_FILES)


def load_default_policy(region: str | None = None) -> PolicyDocument:
    """The default version shipped for `region` (Langxi when none is named)."""
    region = DEFAULT_REGION if region is None else region
    name = DEFAULT_POLICY_FILES.get(region)
    if name is None:
        raise PolicyError(
            f"no default policy is shipped for region {region!r} (shipped: {', '.join(DEFAULT_POLICY_FILES)}); "
            "publish one from a policy file"
        )
    with resources.files("domain.policy").joinpath(name).open("rb") as f:
        document = parse_document(tomllib.load(f))
    if document.region != region:
        raise PolicyError(f"{name}: meta.region is {document.region!r}, shipped as the default for {region!r}")
    return document


def load_default_policies() -> list[PolicyDocument]:
    """Every shipped default version, one per region, the default region first."""
    return [load_default_policy(region) for region in DEFAULT_POLICY_FILES]

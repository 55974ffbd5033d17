"""Policy versions over HTTP: the shipped default at startup, publishing, reading, and refusing bad data."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

from fastapi.testclient import TestClient
from ledger_api import REGION, LedgerApi
from role_client import ACCESS

from api.main import create_app


def _default_tree() -> dict[str, Any]:
    with resources.files("domain.policy").joinpath("langxi_default.toml").open("rb") as f:
        return tomllib.load(f)


def _version_body(version: str, **parameter_overrides: Any) -> dict[str, Any]:
    """The shipped document (confidence-annotated leaves) as a POST body, with dotted-path overrides."""
    tree = copy.deepcopy(_default_tree())
    meta = {**tree.pop("meta"), "version": version, "published_at": "2018-06-01T00:00:00+08:00"}
    for dotted, value in parameter_overrides.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for key in parents:
            node = node[key]
        node[leaf] = value
    return {"command_id": f"policy:{version}", "meta": meta, "parameters": tree}


def test_the_default_policy_is_published_once_at_startup(api: LedgerApi) -> None:
    register = api.get(f"/policy-versions/{REGION}")
    assert register["count"] == 1 and register["versions"][0]["version"] == "langxi-2018.1"
    # Check a restart on the same store publishes nothing again.
    with api.unchanged(), TestClient(create_app(ledger=api.ledger, access=ACCESS)):
        pass


def test_a_version_shows_its_parameters_and_their_confidence(api: LedgerApi) -> None:
    version = api.get(f"/policy-versions/{REGION}/langxi-2018.1")
    assert version["parameters"]["ncms"]["tiers"]["county"] == {"deductible": "300", "ratio": "0.90"}
    assert version["confidence"]["ncms.tiers.county.ratio"] == "ILLUSTRATIVE"
    assert (version["version"], version["region"], version["effective_from"]) == ("langxi-2018.1", REGION, "2018-01-01")


def test_publishing_a_version_is_idempotent_and_lists_it(api: LedgerApi) -> None:
    body = _version_body(
        "langxi-2018.2", **{"ncms.tiers.county.ratio": {"value": "0.92", "confidence": "CONFIRMED-SEED"}}
    )
    first = api.post("/policy-versions", body)
    assert first.json()["version"] == "langxi-2018.2"
    with api.unchanged():
        assert api.post("/policy-versions", body, 200).json() == first.json()
    assert [v["version"] for v in api.get(f"/policy-versions/{REGION}")["versions"]] == [
        "langxi-2018.1",
        "langxi-2018.2",
    ]
    published = api.get(f"/policy-versions/{REGION}/langxi-2018.2")
    assert published["parameters"]["ncms"]["tiers"]["county"]["ratio"] == "0.92"
    assert published["confidence"]["ncms.tiers.county.ratio"] == "CONFIRMED-SEED"


def test_plain_leaves_are_accepted(api: LedgerApi) -> None:
    body = _version_body("langxi-2018.3", **{"ncms.tiers.county.ratio": "0.91"})
    api.post("/policy-versions", body)
    assert (
        api.get(f"/policy-versions/{REGION}/langxi-2018.3")["parameters"]["ncms"]["tiers"]["county"]["ratio"] == "0.91"
    )


def test_a_ratio_above_one_is_refused_naming_the_parameter(api: LedgerApi) -> None:
    problem = api.refused("/policy-versions", _version_body("bad", **{"ncms.tiers.county.ratio": "1.5"}), 422)
    assert "ncms.tiers.county.ratio" in problem["detail"]
    assert api.get(f"/policy-versions/{REGION}")["count"] == 1


def test_other_bad_policy_data_is_refused(api: LedgerApi) -> None:
    api.refused("/policy-versions", _version_body("bad", **{"ncms.annual_cap": 300000.5}), 422)
    api.refused(
        "/policy-versions",
        _version_body("bad", **{"cii.poor.threshold": {"value": "5000", "confidence": "GUESS"}}),
        422,
    )
    api.refused("/policy-versions", _version_body("bad", **{"ncms.tiers.county": 5}), 422)
    api.refused(
        "/policy-versions", _version_body("bad", **{"cii.poor.threshold": {"value": "5000", "confidence": []}}), 422
    )
    no_offset = _version_body("bad")
    no_offset["meta"]["published_at"] = "2018-06-01T00:00:00"
    assert api.refused("/policy-versions", no_offset, 422)["errors"][0]["field"] == "meta.published_at"
    # Check a version number can only be published once.
    api.refused("/policy-versions", {**_version_body("langxi-2018.1"), "command_id": "again"}, 409)

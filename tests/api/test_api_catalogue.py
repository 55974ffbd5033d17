"""Catalogue versions over HTTP: admins publish them (`POST /catalogue-versions`, or a batch entry), a retry
replays, other content for a published version is a 409, a bad item is a 422 on the route and in a batch
and changes nothing; a hospital client may not publish. On SQLite and PostgreSQL (the `ledger` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from ledger_api import LedgerApi
from role_client import ACCESS, RoleClient, bearer

from api.main import create_app
from api.request_examples import COMMAND_ARGS
from service.ledger import BenefitLedger

ADMIN = bearer("tok-admin")


@pytest.fixture
def both_api(ledger: BenefitLedger) -> Iterator[LedgerApi]:
    with TestClient(create_app(ledger=ledger, access=ACCESS)) as client:
        yield LedgerApi(RoleClient(client), ledger)  # type: ignore[arg-type]


def _body(command_id: str = "cat:1", **changes: Any) -> dict[str, Any]:
    return {"command_id": command_id, **COMMAND_ARGS["publish_catalogue_version"], **changes}


def _bad_items() -> list[dict[str, Any]]:
    good = COMMAND_ARGS["publish_catalogue_version"]["items"]
    return [{**good[0], "class": "z"}, {**good[1], "self_pay_share": "1.2"}]


def test_admins_publish_a_catalogue_version_and_a_retry_replays(both_api: LedgerApi) -> None:
    both_api.refused("/catalogue-versions", _body(), 403, headers=bearer("tok-hospital-LX-001"))
    published = both_api.post("/catalogue-versions", _body(), headers=ADMIN).json()
    assert (published["region"], published["version"], published["effective_from"]) == (
        "341821",
        "langxi-catalogue-2018.1",
        "2018-01-01",
    )
    again = both_api.post("/catalogue-versions", _body(), 200, headers=ADMIN).json()
    assert again["published_at"] == published["published_at"]
    changed = [{**COMMAND_ARGS["publish_catalogue_version"]["items"][0], "class": "b"}]
    problem = both_api.refused("/catalogue-versions", _body("cat:2", items=changed), 409, headers=ADMIN)
    assert "already published with other content" in problem["detail"]
    catalogue = both_api.ledger.catalogue_in_force("341821", date(2018, 5, 1))
    assert catalogue.version == "langxi-catalogue-2018.1" and catalogue.item("D-100") is not None


def test_bad_items_are_a_422_on_the_route_and_in_a_batch(both_api: LedgerApi) -> None:
    problem = both_api.refused("/catalogue-versions", _body(items=_bad_items()), 422, headers=ADMIN)
    fields = {e["field"] for e in problem["errors"]}
    assert any("items" in f and "class" in f for f in fields), problem
    assert any("self_pay_share" in f for f in fields), problem
    entry = {"command": "publish_catalogue_version", "command_id": "cat:b", "args": _body(items=_bad_items())}
    del entry["args"]["command_id"]
    with both_api.unchanged():
        response = both_api.client.post("/batches", json={"commands": [entry]}, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["index"] == 0 and "items" in response.json()["detail"]

"""The app opens no store at import; its lifespan builds the ledger from LEDGER_DATABASE_URL and closes it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api.main
from api.main import create_app
from service.ledger import BenefitLedger


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> list[BenefitLedger]:
    """Every ledger closed during the test (including any other test's ledger garbage-collected meanwhile)."""
    calls: list[BenefitLedger] = []
    original = BenefitLedger.close

    def close(self: BenefitLedger) -> None:
        calls.append(self)
        original(self)

    monkeypatch.setattr(BenefitLedger, "close", close)
    return calls


def test_importing_the_app_opens_no_store() -> None:
    assert not hasattr(api.main.app.state, "ledger")


def test_the_lifespan_builds_the_ledger_from_the_environment_and_closes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed: list[BenefitLedger]) -> None:
    db = tmp_path / "env" / "ledger.db"
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{db}")
    app = create_app()
    with TestClient(app) as client:
        assert client.get("/health").json() == {"store": "sqlite", "ok": True}
        assert client.get("/policy-versions/341821").json()["count"] == 1
        assert app.state.ledger not in closed
    assert app.state.ledger in closed and db.exists()


def test_a_given_ledger_is_left_open_for_its_owner(api_ledger: BenefitLedger, closed: list[BenefitLedger]) -> None:
    with TestClient(create_app(api_ledger)) as client:
        assert client.get("/health").status_code == 200
    assert api_ledger not in closed


def test_the_lifespan_opens_the_view_store_beside_the_ledger_and_closes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env" / "ledger.db"
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{db}")
    app = create_app()
    with TestClient(app) as client:
        assert client.get("/reports/hospitals").json() == {"count": 0, "hospitals": []}
    assert (tmp_path / "env" / "ledger.projections.db").exists()
    with pytest.raises(sqlite3.ProgrammingError):  # closed at shutdown
        app.state.views.conn.execute("SELECT 1")

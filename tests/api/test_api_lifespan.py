"""The app opens no store at import; its lifespan builds the ledger from LEDGER_DATABASE_URL and closes it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from role_client import ACCESS, bearer

import api.main
from api.access_keys import add_client
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
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed: list[BenefitLedger]
) -> None:
    db = tmp_path / "env" / "ledger.db"
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("LEDGER_API_KEYS_FILE", str(tmp_path / "keys.toml"))
    token = add_client(tmp_path / "keys.toml", name="reader", role="auditor")
    app = create_app()
    with TestClient(app) as client:
        assert client.get("/health").json() == {"store": "sqlite", "ok": True}
        assert client.get("/ready").json() == {"store": "sqlite", "ok": True}
        assert client.get("/policy-versions/341821").status_code == 401
        assert client.get("/policy-versions/341821", headers=bearer(token)).json()["count"] == 1
        assert app.state.ledger not in closed
    assert app.state.ledger in closed and db.exists()


def test_a_given_ledger_is_left_open_for_its_owner(api_ledger: BenefitLedger, closed: list[BenefitLedger]) -> None:
    with TestClient(create_app(ledger=api_ledger, access=ACCESS)) as client:
        assert client.get("/health").status_code == 200
    assert api_ledger not in closed


def test_the_lifespan_opens_the_view_store_beside_the_ledger_and_closes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env" / "ledger.db"
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("LEDGER_API_KEYS_FILE", str(tmp_path / "keys.toml"))
    token = add_client(tmp_path / "keys.toml", name="dash", role="dashboard")
    app = create_app()
    with TestClient(app) as client:
        assert client.get("/reports/hospitals", headers=bearer(token)).json()["hospitals"] == []
    assert (tmp_path / "env" / "ledger.projections.db").exists()
    with pytest.raises(sqlite3.ProgrammingError):  # closed at shutdown
        app.state.views.conn.execute("SELECT 1")


def test_with_no_keys_file_the_first_start_creates_one_admin_client_and_prints_its_token_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    keys = tmp_path / "var" / "api-keys.toml"
    monkeypatch.setenv("LEDGER_API_KEYS_FILE", str(keys))
    with TestClient(create_app()) as client:
        token = capfd.readouterr().err.rsplit(": ", 1)[1].strip()
        assert client.get("/policy-versions/341821", headers=bearer(token)).status_code == 200
        assert client.get("/policy-versions/341821", headers=bearer(token + "x")).status_code == 401
    assert token not in keys.read_text() and oct(keys.stat().st_mode & 0o777) == "0o600"
    with TestClient(create_app()):  # a second start keeps the file and prints no token
        assert "token" not in capfd.readouterr().err

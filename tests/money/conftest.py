"""Fixtures of the money-after-the-window tests: an API client with one token per role, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from api.access import AccessPolicy, Principal, Role
from api.main import create_app
from cli.main import app as cli_app
from service.ledger import BenefitLedger

TOKENS = {
    "tok-admin": Principal(name="registry", role=Role.ADMIN),
    "tok-auditor": Principal(name="auditor", role=Role.AUDITOR),
    "tok-dashboard": Principal(name="dashboard", role=Role.DASHBOARD),
    "tok-hospital": Principal(name="hospital-LX-001", role=Role.HOSPITAL, hospital="LX-001"),
    "tok-pay-reassist": Principal(name="pay-reassist", role=Role.PAYMENT_SERVICE, fund="reassist"),
    "tok-pay-ncms": Principal(name="pay-ncms", role=Role.PAYMENT_SERVICE, fund="ncms"),
    "tok-pay-s5090": Principal(name="pay-s5090", role=Role.PAYMENT_SERVICE, fund="s5090"),
    "tok-pay-drug": Principal(name="pay-drug", role=Role.PAYMENT_SERVICE, fund="drug_delivery"),
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def http(ledger: BenefitLedger) -> Iterator[TestClient]:
    with TestClient(create_app(ledger=ledger, access=AccessPolicy.from_tokens(TOKENS))) as client:
        yield client


@pytest.fixture
def cli(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """`ledger ...` in-process on the test's store."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", store_url)
    monkeypatch.setenv("LEDGER_API_KEYS_FILE", str(tmp_path / "api-keys.toml"))
    monkeypatch.delenv("LEDGER_TRACEBACK", raising=False)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli_app, list(args), prog_name="ledger")

    yield run

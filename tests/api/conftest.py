"""An API client over a fresh SQLite ledger per test (the app publishes the default policy at startup)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ledger_api import COUNTY_HOSPITAL, PROVINCE_HOSPITAL, LedgerApi
from role_client import ACCESS, RoleClient

from api.main import create_app
from service.ledger import BenefitLedger
from service.legacy_shapes import ensure_hospital
from service.settings import Settings


@pytest.fixture
def api_ledger(tmp_path: Path) -> Iterator[BenefitLedger]:
    ledger = BenefitLedger.from_settings(Settings(database_url="sqlite:///" + str(tmp_path / "t.db")))
    for hospital in (COUNTY_HOSPITAL, PROVINCE_HOSPITAL):  # the registry's standard hospitals (admin master data)
        ensure_hospital(ledger, hospital)
    yield ledger
    ledger.close()


@pytest.fixture
def api(api_ledger: BenefitLedger) -> Iterator[LedgerApi]:
    with TestClient(create_app(ledger=api_ledger, access=ACCESS)) as client:
        yield LedgerApi(RoleClient(client), api_ledger)  # type: ignore[arg-type]

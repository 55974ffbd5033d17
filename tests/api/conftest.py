"""An API client over a fresh SQLite ledger per test (the app publishes the default policy at startup)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ledger_api import COUNTY_HOSPITAL, PROVINCE_HOSPITAL, LedgerApi
from role_client import ACCESS, RoleClient

from api.main import create_app
from domain.rules.settlement_time import CHINA
from service.clock import ManualClock
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
def clock() -> ManualClock:
    """The server clock of `clocked_api`: 2018-03-12 10:00 China time, the worked example's first discharge."""
    return ManualClock(datetime(2018, 3, 12, 10, tzinfo=CHINA))


@pytest.fixture
def clocked_api(tmp_path: Path, clock: ManualClock) -> Iterator[LedgerApi]:
    """An API over a ledger whose server clock the test sets (the default policy is published at its time)."""
    ledger = BenefitLedger.from_settings(Settings(database_url="sqlite:///" + str(tmp_path / "c.db")), clock=clock)
    with TestClient(create_app(ledger=ledger, access=ACCESS)) as client:
        yield LedgerApi(RoleClient(client), ledger)  # type: ignore[arg-type]
    ledger.close()


@pytest.fixture
def api(api_ledger: BenefitLedger) -> Iterator[LedgerApi]:
    with TestClient(create_app(ledger=api_ledger, access=ACCESS)) as client:
        yield LedgerApi(RoleClient(client), api_ledger)  # type: ignore[arg-type]

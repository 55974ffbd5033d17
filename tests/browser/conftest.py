"""Browser fixtures: Chromium (required when LEDGER_REQUIRE_BROWSER=1, else skipped with the reason printed)
and the API served by uvicorn on a free localhost port over a temporary SQLite ledger holding a busy county
(settlements in months 1-7, a retroactive "5090" version with compensation still owed, audit findings)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from dashboard_server import Served, dashboard_app, serving
from headless_chromium import REQUIRE_ENV, find_chromium, missing_reason
from tests.projections.builders import busy_county

from service.ledger import BenefitLedger
from service.settings import Settings


@pytest.fixture(scope="session")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but chromium is not installed: {missing_reason()}")
        print(f"SKIPPED browser: {missing_reason()}")
        pytest.skip(missing_reason())
    return binary


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    ledger = BenefitLedger.from_settings(
        Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('dashboard')}/ledger.db")
    )
    try:
        busy_county(ledger)
        app = dashboard_app(ledger)
        with serving(app) as url:
            yield Served(url, app)
    finally:
        ledger.close()

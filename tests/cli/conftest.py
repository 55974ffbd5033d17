"""Fixtures: the `ledger` command in-process (typer's CliRunner) against a temporary SQLite store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.application.scenario import publish_default, worked_example
from tests.cli.cli_support import opened
from typer.testing import CliRunner, Result

from cli.main import app

Invoke = Callable[..., Result]


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty store named by LEDGER_DATABASE_URL, and a keys file of this test's own."""
    url = f"sqlite:///{tmp_path}/ledger.db"
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv("LEDGER_API_KEYS_FILE", str(tmp_path / "api-keys.toml"))
    monkeypatch.delenv("LEDGER_TRACEBACK", raising=False)
    return url


@pytest.fixture
def worked_store(sqlite_url: str) -> str:
    """The store holding the default policy and the research's worked example (§2.3), patient P-2.3."""
    with opened(sqlite_url) as ledger:
        publish_default(ledger)
        worked_example(ledger)
    return sqlite_url


@pytest.fixture
def invoke() -> Invoke:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), prog_name="ledger")

    return run

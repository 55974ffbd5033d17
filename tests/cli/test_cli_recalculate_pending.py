"""`ledger recalculate --pending` and `ledger verify` after a late fact (#10), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from tests.application.scenario import COUNTY_HOSPITAL, admit_and_settle, poor_patient, publish_default
from tests.cli.cli_support import assert_one_line_error, head, opened

from service.commands import RecordPovertyStatus


@pytest.fixture
def cli_store(store_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:
    monkeypatch.setenv("LEDGER_DATABASE_URL", store_url)
    monkeypatch.setenv("LEDGER_API_KEYS_FILE", str(tmp_path / "api-keys.toml"))
    monkeypatch.delenv("LEDGER_TRACEBACK", raising=False)
    yield store_url


def _late_fact(url: str) -> None:
    with opened(url) as ledger:
        publish_default(ledger)
        poor_patient(ledger, "P-L", status="none")
        admit_and_settle(
            ledger, "P-L", "P-L-A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 12)
        )
        ledger.handle(
            RecordPovertyStatus(
                command_id="P-L:late", patient_ref="P-L", status="dibao", effective_from=date(2018, 1, 1), reason="late"
            )
        )


def test_verify_reports_the_pending_year_then_recalculate_pending_applies_it(invoke, cli_store: str) -> None:
    _late_fact(cli_store)
    found = invoke("verify")
    assert found.exit_code == 1, (found.stdout, found.stderr)
    assert "late facts (pending recalculation): 1 PROBLEM" in found.stdout
    assert "P-L/2018 pending recalculation: poverty status dibao" in found.stdout
    report = json.loads(invoke("verify", "--json").stdout)
    assert [(f["check"], f["subject"]) for f in report["findings"]] == [("pending", "P-L/2018")]
    one = invoke("verify", "P-L", "2018")
    assert one.exit_code == 1 and "pending: P-L/2018" in one.stdout

    run = invoke("recalculate", "--pending")
    assert run.exit_code == 0, (run.stdout, run.stderr)
    first, year_line = run.stdout.splitlines()
    assert first.startswith("pending: 1 patient-years recalculated; 1 changed; compensation owed ")
    owed = Decimal(first.rsplit(" ", 1)[1])
    assert owed > 0 and year_line == f"  P-L/2018: changed; compensation owed {owed}"

    clean = invoke("verify", "--json")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["ok"] is True
    before = head(cli_store)
    again = invoke("recalculate", "--pending")
    assert again.exit_code == 0 and again.stdout.startswith("pending: 0 patient-years recalculated")
    assert head(cli_store) == before


def test_recalculate_refuses_mixed_or_missing_arguments(invoke, cli_store: str) -> None:
    _late_fact(cli_store)
    before = head(cli_store)
    assert_one_line_error(invoke("recalculate"), "REGION and VERSION, or --pending")
    assert_one_line_error(invoke("recalculate", "--pending", "341821"), "--pending takes no REGION")
    assert_one_line_error(invoke("recalculate", "--pending", "--county", "a b"), "county")
    assert_one_line_error(invoke("recalculate", "--pending", "--year", "1999"), "year")
    assert_one_line_error(invoke("recalculate", "341821", "langxi-2018.1", "--year", "2018"), "--pending")
    assert head(cli_store) == before
    filtered = invoke("recalculate", "--pending", "--county", "469030", "--year", "2018")
    assert filtered.exit_code == 0 and filtered.stdout.startswith("pending: 0 patient-years")

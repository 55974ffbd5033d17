"""python -m projections: one-line errors with exit code 2 for bad input; run, status and rebuild."""

from __future__ import annotations

import pytest
from tests.projections.builders import publish, worked_example

from projections.__main__ import main
from projections.store import ViewStore
from service.ledger import BenefitLedger


@pytest.mark.parametrize(
    "argv, message",
    [
        (["rebuild", "nope"], "unknown projection 'nope' (choose from: all, annual_totals,"),
        (["run", "--only", "annual_totals", "bogus"], "unknown projection 'bogus'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["rebuild"], "the following arguments are required: name"),
        (["run", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["run", "--batch-size", "many"], "invalid int value: 'many'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{tmp_path}/ledger.db")
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1, err


def test_a_bad_database_url_is_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_DATABASE_URL", "mysql://nowhere/db")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "LEDGER_DATABASE_URL" in err and err.count("\n") == 1


def test_run_status_and_rebuild(
    ledger: BenefitLedger,
    views: ViewStore,
    store_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish(ledger)
    worked_example(ledger)
    monkeypatch.setenv("LEDGER_DATABASE_URL", store_url)
    assert main(["status"]) == 0
    assert "annual_totals        not built" in capsys.readouterr().out
    assert main(["run", "--until-head", "--only", "annual_totals", "audit_trail"]) == 0
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "annual_totals        current" in out and "lag 0" in out and "county_dashboard     not built" in out
    assert main(["rebuild", "all", "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("rebuilt annual_totals, retro_compensation, audit_trail") and captured.err == ""

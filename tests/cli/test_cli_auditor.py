"""`ledger replay` (alias `year`) and `ledger verify`: the auditor's commands."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.cli_support import opened

from domain import ids


def test_replay_prints_every_layer_of_the_worked_example(invoke, worked_store: str) -> None:
    result = invoke("replay", "P-2.3", "2018")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("patient P-2.3, benefit year 2018")
    assert "P-2.3-A#1  inpatient at 郎溪县人民医院 (county)" in out and "P-2.3-B#1  inpatient at 安徽省立医院" in out
    assert "(19000.00 - deductible 300) x 0.90 = 16830.00" in out
    assert "(72000.00 - deductible 1000) x 0.70 = 49700.00" in out
    assert "10618.00 x 0.50 = 5309.00" in out
    assert "patient pays 2,085.00" in out and "patient pays 13,309.00" in out
    assert invoke("year", "P-2.3", "2018").stdout == out


def test_replay_as_of_shows_the_year_as_recorded_then(invoke, worked_store: str) -> None:
    with opened(worked_store) as ledger:
        first, second = ledger.get_benefit_year("P-2.3", 2018).settlements
    between = first["recorded_at"]  # the moment the first settlement was recorded: B was not there yet
    result = invoke("replay", "P-2.3", "2018", "--as-of", between)
    assert result.exit_code == 0, result.stderr
    assert "P-2.3-A#1" in result.stdout and "P-2.3-B#1" not in result.stdout
    assert "(version 2)" in result.stdout
    assert second["recorded_at"] > between


def test_verify_one_patient_year_rederives_and_checks_its_chains(invoke, worked_store: str) -> None:
    result = invoke("verify", "P-2.3", "2018")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert lines[0] == "P-2.3/2018: 2 settlements, verified to the fen"
    # the account, the patient and both admissions: 3 + 3 + 5 + 5 events
    assert lines[1] == "hash chains: 4 streams, 16 events checked: intact"


def test_verify_everything_checks_every_stream_and_patient_year(invoke, worked_store: str) -> None:
    with opened(worked_store) as ledger:
        from tests.application.scenario import worked_example

        worked_example(ledger, "P-2.3-SECOND")
        events = int(ledger.recorder.max_notification_id())
    result = invoke("verify")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("hash chains: ") and lines[0].endswith(f"streams, {events} events checked: intact")
    assert lines[1] == "patient-years: 2 re-derived from raw facts: every settlement identical to the fen"


def test_verify_names_an_edited_event_and_the_settlement_it_changed(invoke, worked_store: str) -> None:
    account_id = ids.benefit_year_id("P-2.3", 2018)
    path = Path(worked_store.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as db:  # someone edits the recorded NCMS amount of settlement B behind the ledger
        (state,) = db.execute(
            "SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = 3", [account_id.hex]
        ).fetchone()
        assert state.count(b'"49700.00"') >= 1
        db.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 3",
            [state.replace(b'"49700.00"', b'"49700.01"'), account_id.hex],
        )
    one = invoke("verify", "P-2.3", "2018")
    assert one.exit_code == 1, (one.stdout, one.stderr)
    assert "P-2.3/2018: 2 settlements, DIFFERENCES FOUND" in one.stdout
    assert "P-2.3-B#1 settled layers[0].amount: recorded 49700.01 derived 49700.00" in one.stdout
    assert f"{account_id.hex} version 3: edited" in one.stdout
    everything = invoke("verify")
    assert everything.exit_code == 1
    assert "events checked: 1 PROBLEM\n" in everything.stdout
    assert f"{account_id.hex} version 3: edited" in everything.stdout
    assert "patient-years: 1 re-derived from raw facts: 1 with DIFFERENCES" in everything.stdout
    assert "P-2.3/2018 P-2.3-B#1 current layers[0].amount: recorded 49700.01 derived 49700.00" in everything.stdout

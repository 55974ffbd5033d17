"""`ledger verify` lists every finding and exits 1, whatever it finds first; `--json` gives the same report."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.application.scenario import worked_example
from tests.cli.cli_support import opened

from domain import ids


def _db(url: str) -> sqlite3.Connection:
    return sqlite3.connect(Path(url.removeprefix("sqlite:///")))


def test_verify_json_on_a_clean_store(invoke, worked_store: str) -> None:
    result = invoke("verify", "--json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["findings"] == []
    assert (report["patient_years"], report["settlements"], report["admissions"]) == (1, 2, 2)
    lines = invoke("verify").stdout.splitlines()
    assert "accumulators: 1 patient-years re-derived from their claim facts: consistent" in lines
    assert "admissions: 2 settled, checked against their patient-years: consistent" in lines


def test_a_missing_middle_event_is_listed_with_the_problems_after_it_not_an_internal_error(
    invoke, worked_store: str
) -> None:
    with opened(worked_store) as ledger:
        worked_example(ledger, "P-LATER")
    first, later = ids.benefit_year_id("P-2.3", 2018), ids.benefit_year_id("P-LATER", 2018)
    with _db(worked_store) as db:
        for table in ("stored_events", "stored_events_chain"):
            db.execute(f"DELETE FROM {table} WHERE originator_id = ? AND originator_version = 2", [first.hex])
        (state,) = db.execute(
            "SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = 3", [later.hex]
        ).fetchone()
        db.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 3",
            [state.replace(b'"49700.00"', b'"49700.01"'), later.hex],
        )
    text = invoke("verify")
    assert text.exit_code == 1, (text.stdout, text.stderr)
    assert "internal error" not in text.stdout + text.stderr
    assert f"  {first.hex} version 2: deleted" in text.stdout
    assert f"  {later.hex} version 3: edited" in text.stdout
    assert "  P-2.3/2018 versions missing from its stream: [2]" in text.stdout
    assert "P-LATER/2018 P-LATER-B#1 settled layers[0].amount: recorded 49700.01 derived 49700.00" in text.stdout
    assert "  P-2.3-A admission P-2.3-A was settled as P-2.3-A#1" in text.stdout
    as_json = invoke("verify", "--json")
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert {f["check"] for f in report["findings"]} == {
        "chain",
        "unreadable",
        "settlement",
        "accumulators",
        "admission",
    }
    assert text.stdout.rstrip().endswith(f"verify: {len(report['findings'])} findings")


def test_verify_one_patient_year_finds_a_truncated_last_settlement(invoke, worked_store: str) -> None:
    year = ids.benefit_year_id("P-2.3", 2018)
    with _db(worked_store) as db:
        for table in ("stored_events", "stored_events_chain"):
            db.execute(f"DELETE FROM {table} WHERE originator_id = ? AND originator_version = 3", [year.hex])
    result = invoke("verify", "P-2.3", "2018", "--json")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["check"] == "admission" and finding["subject"] == "P-2.3-B"
    lines = invoke("verify", "P-2.3", "2018").stdout.splitlines()
    assert lines[0] == "P-2.3/2018: 1 settlements, DIFFERENCES FOUND"
    assert lines[1].startswith("  admission: P-2.3-B admission P-2.3-B was settled as P-2.3-B#1")

"""`ledger import FILE.jsonl`: batches of commands, all or nothing per batch, restartable."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.cli.cli_support import (
    DEFAULT_POLICY_FILE,
    assert_one_line_error,
    head,
    opened,
    worked_example_commands,
    write_jsonl,
)


def _publish_default(invoke, *global_args: str) -> None:
    result = invoke(*global_args, "publish-policy", str(DEFAULT_POLICY_FILE))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "published 341821/langxi-2018.1 (new)\n"


def _layers(url: str, settlement: int) -> dict[str, Decimal]:
    with opened(url) as ledger:
        record = ledger.get_benefit_year("P-2.3", 2018).settlements[settlement]
    return {layer["payer"]: layer["amount"] for layer in record["settlement"]["layers"]}


def test_import_settles_the_worked_example_on_both_stores(invoke, store_url: str, tmp_path: Path) -> None:
    _publish_default(invoke, "--database-url", store_url)
    file = write_jsonl(tmp_path / "worked.jsonl", worked_example_commands())
    result = invoke("--database-url", store_url, "import", str(file), "--batch-size", "4")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"imported {file}: 15 commands (15 appended, 0 already recorded) in ")
    assert result.stdout.rstrip().endswith("lines/s")
    assert _layers(store_url, 0) == {
        "ncms": Decimal("16830.00"),
        "cii": Decimal("0.00"),
        "ma": Decimal("1085.00"),
        "b351": Decimal("0.00"),
        "s5090": Decimal("0.00"),
        "reassist": Decimal("0.00"),
    }
    assert _layers(store_url, 1) == {
        "ncms": Decimal("49700.00"),
        "cii": Decimal("11682.00"),
        "ma": Decimal("5309.00"),
        "b351": Decimal("0.00"),
        "s5090": Decimal("0.00"),
        "reassist": Decimal("0.00"),
    }
    replay = invoke("--database-url", store_url, "replay", "P-2.3", "2018")
    assert replay.exit_code == 0 and "patient pays 13,309.00" in replay.stdout
    verified = invoke("--database-url", store_url, "verify")
    assert verified.exit_code == 0, (verified.stdout, verified.stderr)
    assert verified.stdout.splitlines()[0].endswith("events checked: intact")
    assert verified.stdout.splitlines()[1] == (
        "patient-years: 1 re-derived from raw facts: every settlement identical to the fen"
    )


def test_reimporting_the_file_appends_nothing(invoke, sqlite_url: str, tmp_path: Path) -> None:
    _publish_default(invoke)
    file = write_jsonl(tmp_path / "worked.jsonl", worked_example_commands())
    assert invoke("import", str(file)).exit_code == 0
    before = head(sqlite_url)
    again = invoke("import", str(file))
    assert again.exit_code == 0, again.stderr
    assert "15 commands (0 appended, 15 already recorded)" in again.stdout
    assert head(sqlite_url) == before


def test_a_refused_command_stops_at_its_line_and_writes_nothing_of_its_batch(
    invoke, sqlite_url: str, tmp_path: Path
) -> None:
    _publish_default(invoke)
    commands = worked_example_commands()
    commands[9] = {
        "command": "settle_admission",
        "command_id": "P-2.3-A:settle",
        "args": {"admission_ref": "P-2.3-Z", "settled_at": "2018-07-01T10:00:00+00:00"},
    }
    file = write_jsonl(tmp_path / "worked.jsonl", commands)
    result = invoke("import", str(file), "--batch-size", "7")
    assert_one_line_error(
        result,
        "worked.jsonl line 10: settle_admission 'P-2.3-A:settle' refused: "
        "no admission P-2.3-Z (nothing from lines 8-14 was written)",
    )
    with opened(sqlite_url) as ledger:
        admission = ledger.get_admission("P-2.3-A")  # lines 1-7 were one committed batch
        assert sorted(admission.lines) == ["1"] and admission.discharged_on is None
    # fixed and run again: the first batch is replayed, the rest appended
    file = write_jsonl(tmp_path / "worked.jsonl", worked_example_commands())
    rerun = invoke("import", str(file), "--batch-size", "7")
    assert rerun.exit_code == 0, rerun.stderr
    assert "15 commands (8 appended, 7 already recorded)" in rerun.stdout
    assert _layers(sqlite_url, 1)["cii"] == Decimal("11682.00")


def test_money_as_a_float_is_refused_with_its_line(invoke, sqlite_url: str, tmp_path: Path) -> None:
    _publish_default(invoke)
    commands = worked_example_commands()
    commands[6]["args"]["unit_price"] = 19000.0
    before = head(sqlite_url)
    result = invoke("import", str(write_jsonl(tmp_path / "float.jsonl", commands)))
    assert_one_line_error(
        result,
        "float.jsonl line 7: post_charge_line 'P-2.3-A:line:1' refused: unit_price: give "
        "money as a string or integer, not float",
    )
    assert head(sqlite_url) == before

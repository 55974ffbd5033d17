"""Bad input: one line on stderr, exit status 2, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli.cli_support import assert_one_line_error, head, worked_example_commands, write_jsonl

CLOSED_PORT_URL = "postgresql://postgres@127.0.0.1:1/postgres"


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["replay"], ["replay: Missing argument 'PATIENT'", "see 'ledger replay --help'"]),
        (["replay", "P-2.3", "twenty"], ["Invalid value for 'YEAR'"]),
        (["year", "P-2.3", "2018", "--bogus"], ["No such option: --bogus"]),
        (["frobnicate"], ["No such command 'frobnicate'"]),
        (["keys", "add", "x"], ["Missing option '--role'"]),
        (["demo", "--scale", "many"], ["Invalid value for '--scale'"]),
    ],
)
def test_usage_errors_are_one_line(invoke, sqlite_url: str, args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(invoke(*args), *fragments)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["replay", "NOBODY", "2018"], "no settlements for patient NOBODY in 2018"),
        (["year", "P-2.3", "2017"], "no settlements for patient P-2.3 in 2017"),
        (["verify", "NOBODY", "2018"], "no settlements for patient NOBODY in 2018"),
        (["verify", "P-2.3"], "give both PATIENT and YEAR, or neither"),
        (["replay", "P-2.3", "2018", "--as-of", "last tuesday"], "--as-of: 'last tuesday' is not an ISO 8601 time"),
        (["replay", "P-2.3", "2018", "--as-of", "2018-07-01T10:00:00"], "--as-of: give a time zone"),
        (
            ["replay", "P-2.3", "2018", "--as-of", "2018-01-01T00:00:00+08:00"],
            "no settlements for patient P-2.3 in 2018 as of",
        ),
        (["policies", "999999"], "no policy version is published for region 999999"),
        (["recalculate", "341821", "no-such-version"], "no policy version no-such-version for region 341821"),
        (["export-eob", "P-2.3-A#9"], "no settlement P-2.3-A#9 (admission P-2.3-A has P-2.3-A#1)"),
        (["export-eob", "P-2.3-A"], "settlement id 'P-2.3-A': expected <admission_ref>#<n>"),
        (["export-eob", "NO-SUCH-ADMISSION#1"], "no admission NO-SUCH-ADMISSION"),
        (["rebuild", "nope"], "unknown projection 'nope'"),
        (["rebuild", "all", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["demo", "--scale", "0"], "--scale: give a share in (0, 1]"),
        (["keys", "add", "x", "--role", "boss"], "--role: 'boss' is not one of admin, hospital"),
        (["keys", "add", "x", "--role", "payment_service"], "a payment_service client needs its fund"),
        (["publish-policy", "no-such-file.toml"], "no-such-file.toml: No such file or directory"),
    ],
)
def test_refused_input_is_one_line_and_changes_nothing(
    invoke, worked_store: str, args: list[str], fragment: str
) -> None:
    before = head(worked_store)
    assert_one_line_error(invoke(*args), fragment)
    assert head(worked_store) == before


def test_an_invalid_policy_file_is_one_line(invoke, worked_store: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[meta\nregion = 1\n", encoding="utf-8")
    before = head(worked_store)
    assert_one_line_error(invoke("publish-policy", str(broken)), "not valid TOML")
    assert head(worked_store) == before


def test_a_database_that_refuses_connections_is_one_line(
    invoke, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_DATABASE_URL", CLOSED_PORT_URL)
    for args in (
        ["replay", "P-2.3", "2018"],
        ["verify"],
        ["import", "x.jsonl"],
        ["policies", "341821"],
        ["export-eob", "P-2.3-A#1"],
        ["rebuild", "all"],
        ["serve"],
    ):
        result = invoke(*args)
        if args[0] == "import":  # the file is checked first: a missing file is named before the store
            assert_one_line_error(result, "x.jsonl: No such file or directory")
            continue
        assert_one_line_error(result, "cannot connect to PostgreSQL at 127.0.0.1:1", "Connection refused")


def test_the_global_option_names_the_store_too(invoke, sqlite_url: str) -> None:
    assert_one_line_error(
        invoke("--database-url", CLOSED_PORT_URL, "replay", "P-2.3", "2018"),
        "cannot connect to PostgreSQL at 127.0.0.1:1",
    )
    assert_one_line_error(
        invoke("--database-url", "mysql://host/db", "replay", "P-2.3", "2018"),
        "LEDGER_DATABASE_URL 'mysql://host/db': use sqlite:///path or postgresql://",
    )


def test_a_missing_store_file_is_refused_not_created(invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere" / "ledger.db"
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{missing}")
    assert_one_line_error(invoke("replay", "P-2.3", "2018"), f"no ledger store at {missing}")
    assert not missing.exists()


def test_a_malformed_import_line_writes_nothing_from_the_file(invoke, worked_store: str, tmp_path: Path) -> None:
    lines: list = worked_example_commands("P-NEW")
    lines.insert(7, '{"command": "discharge", "command_id": "x", "args": ')
    before = head(worked_store)
    result = invoke("import", str(write_jsonl(tmp_path / "bad.jsonl", lines)))
    assert_one_line_error(result, "bad.jsonl line 8: not valid JSON")
    assert head(worked_store) == before


@pytest.mark.parametrize(
    "line, message",
    [
        ('["register_patient"]', 'line 1: expected an object {"command", "command_id", "args"}'),
        ('{"command": "register_patient", "args": {}}', "line 1: refused: command_id: missing"),
        ('{"command": "", "command_id": "c1"}', "line 1: refused: command: '' is not one of "),
        (
            '{"command": "discharge", "command_id": "c1", "args": []}',
            "line 1: discharge 'c1' refused: args: give an object",
        ),
        (
            '{"command": "discharge", "command_id": "c1", "arg": {}}',
            "line 1: discharge 'c1' refused: arg: unknown field",
        ),
        ('{"command": "discharge", "command_id": "c1", "args": {"admission_ref": "A/1"}}', "admission_ref: give a ref"),
    ],
)
def test_each_kind_of_malformed_line_is_named(invoke, sqlite_url: str, tmp_path: Path, line: str, message: str) -> None:
    assert_one_line_error(invoke("import", str(write_jsonl(tmp_path / "c.jsonl", [line]))), message)


def test_an_empty_import_file_and_a_bad_batch_size_are_refused(invoke, sqlite_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert_one_line_error(invoke("import", str(empty)), "empty.jsonl: no commands")
    one = write_jsonl(tmp_path / "one.jsonl", worked_example_commands()[:1])
    assert_one_line_error(invoke("import", str(one), "--batch-size", "0"), "--batch-size: give 1 to 1000, not 0")
    assert_one_line_error(invoke("import", str(one), "--batch-size", "5000"), "--batch-size: give 1 to 1000")


def test_a_defect_is_one_line_and_exit_1_unless_the_traceback_is_asked_for(
    invoke, worked_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli.output

    def broken(*args: object) -> list[str]:
        raise KeyError("layers")

    monkeypatch.setattr(cli.output, "year_lines", broken)
    assert_one_line_error(
        invoke("replay", "P-2.3", "2018"),
        "internal error: KeyError: 'layers'",
        "set LEDGER_TRACEBACK=1 for the traceback",
        code=1,
    )
    monkeypatch.setenv("LEDGER_TRACEBACK", "1")
    assert isinstance(invoke("replay", "P-2.3", "2018").exception, KeyError)

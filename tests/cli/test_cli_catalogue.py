"""`ledger catalogue publish FILE.toml`: a catalogue file published as a version (a re-run appends nothing);
a bad file is one line on stderr, exit status 2, nothing written. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.cli.cli_support import assert_one_line_error, head, opened

from domain.registry.catalogue_files import SHIPPED_CATALOGUE_FILES

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "src" / "domain" / "policy"
LANGXI_FILE = SHIPPED_DIR / SHIPPED_CATALOGUE_FILES[0]


@pytest.fixture
def cli_store(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LEDGER_DATABASE_URL", store_url)
    monkeypatch.setenv("LEDGER_API_KEYS_FILE", str(tmp_path / "api-keys.toml"))
    monkeypatch.delenv("LEDGER_TRACEBACK", raising=False)
    return store_url


def _variant(tmp_path: Path, text_change: tuple[str, str]) -> Path:
    text = LANGXI_FILE.read_text(encoding="utf-8").replace(*text_change)
    path = tmp_path / "variant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_publish_a_catalogue_file(invoke, cli_store: str, tmp_path: Path) -> None:
    first = invoke("catalogue", "publish", str(LANGXI_FILE))
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("published catalogue 341821/langxi-catalogue-2016.1 effective 2016-01-01 at ")
    assert first.stdout.endswith("(new)\n")
    again = invoke("catalogue", "publish", str(LANGXI_FILE))
    assert again.exit_code == 0 and again.stdout.endswith("(already there)\n")
    newer = _variant(tmp_path, ('version = "langxi-catalogue-2016.1"', 'version = "langxi-catalogue-2019.1"'))
    newer.write_text(newer.read_text(encoding="utf-8").replace('"2016-01-01"', '"2019-01-01"'), encoding="utf-8")
    assert invoke("catalogue", "publish", str(newer)).exit_code == 0
    with opened(cli_store) as ledger:
        assert ledger.catalogue_in_force("341821", date(2018, 6, 1)).version == "langxi-catalogue-2016.1"
        assert ledger.catalogue_in_force("341821", date(2019, 6, 1)).version == "langxi-catalogue-2019.1"


def test_a_bad_catalogue_file_is_one_line_and_changes_nothing(invoke, cli_store: str, tmp_path: Path) -> None:
    assert invoke("catalogue", "publish", str(LANGXI_FILE)).exit_code == 0
    before = head(cli_store)
    bad_class = _variant(tmp_path, ('class = "a"', 'class = "q"'))
    assert_one_line_error(invoke("catalogue", "publish", str(bad_class)), "class")
    assert_one_line_error(invoke("catalogue", "publish", str(tmp_path / "missing.toml")), "missing.toml")
    other = _variant(tmp_path, ('class = "a"', 'class = "self_pay"'))  # same version, other content
    assert_one_line_error(invoke("catalogue", "publish", str(other), "--command-id", "other"), "other content", code=2)
    assert head(cli_store) == before

"""The command lines docs/hainan.md shows: publish the shipped Hainan (琼中, 469030) version and list it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_the_hainan_policy_file_publishes_and_lists_as_docs_hainan_shows(
    invoke, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = (ROOT / "docs" / "hainan.md").read_text(encoding="utf-8")
    for line in ("ledger publish-policy src/domain/policy/hainan_default.toml", "ledger policies 469030"):
        assert f"    {line}\n" in doc, line
    monkeypatch.chdir(ROOT)

    published = invoke("publish-policy", "src/domain/policy/hainan_default.toml")
    assert published.exit_code == 0 and published.stdout == "published 469030/hainan-2017.1 (new)\n"
    again = invoke("publish-policy", "src/domain/policy/hainan_default.toml")
    assert again.stdout == "published 469030/hainan-2017.1 (already there)\n"
    listed = invoke("policies", "469030")
    assert listed.exit_code == 0
    [line] = listed.stdout.splitlines()
    assert line.startswith("hainan-2017.1                effective 2017-08-11  published ")
    assert datetime.fromisoformat(line.split("  published ")[1]) <= datetime.now(UTC)  # the server's time

"""`ledger publish-policy`, `ledger policies` (alias `list-policies`), `ledger recalculate`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.application.scenario import worked_example
from tests.cli.cli_support import DEFAULT_POLICY_FILE, head, opened

MA_RATIO_LINE = 'ratio = { value = "0.50", confidence = "ILLUSTRATIVE", source = "worked example 2.3 scenario 1" }'


def _variant_file(tmp_path: Path) -> Path:
    """The default policy with 救助 at 60 % for 建档立卡 patients, published in July with effect from January."""
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    assert text.count(MA_RATIO_LINE) == 1
    text = (
        text.replace(MA_RATIO_LINE, MA_RATIO_LINE.replace('"0.50"', '"0.60"'))
        .replace('version = "langxi-2018.1"', 'version = "langxi-2018.2-ma60"')
        .replace('published_at = "2017-12-31T00:00:00+08:00"', 'published_at = "2018-07-15T00:00:00+08:00"')
    )
    path = tmp_path / "ma60.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_publish_list_and_recalculate_a_retroactive_version(invoke, sqlite_url: str, tmp_path: Path) -> None:
    published = invoke("publish-policy", str(DEFAULT_POLICY_FILE))
    assert published.exit_code == 0 and published.stdout == "published 341821/langxi-2018.1 (new)\n"
    again = invoke("publish-policy", str(DEFAULT_POLICY_FILE))
    assert again.exit_code == 0 and again.stdout == "published 341821/langxi-2018.1 (already there)\n"
    with opened(sqlite_url) as ledger:
        worked_example(ledger)
    assert (
        invoke("publish-policy", str(_variant_file(tmp_path))).stdout == "published 341821/langxi-2018.2-ma60 (new)\n"
    )

    listed = invoke("policies", "341821")
    assert listed.exit_code == 0
    # published: the server's time of publication (the files' published_at is ignored)
    assert [line.split("  published ")[0] for line in listed.stdout.splitlines()] == [
        "langxi-2018.1                effective 2018-01-01",
        "langxi-2018.2-ma60           effective 2018-01-01",
    ]
    first, second = (datetime.fromisoformat(line.split("  published ")[1]) for line in listed.stdout.splitlines())
    assert first <= second <= datetime.now(UTC)
    assert invoke("list-policies", "341821").stdout == listed.stdout

    recalculated = invoke("recalculate", "341821", "langxi-2018.2-ma60")
    assert recalculated.exit_code == 0, recalculated.stderr
    # 救助 60 % instead of 50 %: A 2,170.00 x 0.60 = 1,302.00 (+217.00); B 10,618.00 x 0.60 = 6,370.80 (+1,061.80),
    # still under the 10,000 cap, and no later layer reaches its threshold: 1,278.80 owed to the patient.
    assert recalculated.stdout.splitlines() == [
        "examined 1 patient-years; 1 changed; compensation owed 1278.80",
        "  P-2.3/2018: compensation owed 1278.80",
    ]
    before = head(sqlite_url)
    assert invoke("recalculate", "341821", "langxi-2018.2-ma60").stdout == recalculated.stdout
    assert head(sqlite_url) == before
    year = invoke("replay", "P-2.3", "2018")
    assert "10618.00 x 0.60 = 6370.80" in year.stdout and "retroactive compensation owed 1,061.80" in year.stdout

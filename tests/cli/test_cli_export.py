"""`ledger export-eob SETTLEMENT`: FHIR R4 ExplanationOfBenefit JSON on stdout or in a file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.interop.fhir_r4_rules import r4_problems

from interop.fhir_json import loads


def test_export_writes_the_eob_of_a_settlement(invoke, worked_store: str) -> None:
    result = invoke("export-eob", "P-2.3-B#1")
    assert result.exit_code == 0, result.stderr
    eob = loads(result.stdout)
    assert r4_problems(eob) == []
    assert eob["identifier"][0]["value"] == "P-2.3-B#1" and len(eob["item"]) == 2
    assert [entry["amount"]["value"] for entry in eob["adjudication"]] == [
        Decimal("49700.00"),
        Decimal("11682.00"),
        Decimal("5309.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    assert result.stderr == ""


def test_export_per_claim_into_a_file(invoke, worked_store: str, tmp_path: Path) -> None:
    target = tmp_path / "eob-a.json"
    result = invoke("export-eob", "P-2.3-A#1", "--per-claim", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    eob = loads(target.read_text(encoding="utf-8"))
    assert result.stderr == f"wrote ExplanationOfBenefit {eob['id']} (P-2.3-A#1) to {target}\n"
    (item,) = eob["item"]
    assert item["net"] == {"value": Decimal("20000.00"), "currency": "CNY"}
    assert r4_problems(eob) == []
    same = invoke("export-eob", "P-2.3-A#1", "--per-claim", "--as-settled")
    assert loads(same.stdout) == eob  # never recalculated: as settled is as it is now

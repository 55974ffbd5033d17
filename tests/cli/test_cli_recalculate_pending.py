"""`ledger recalculate --pending` and `ledger verify` after a late fact (#10), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

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


SHIPPED_CATALOGUE = Path(__file__).parents[2] / "src" / "domain" / "policy" / "catalogue_langxi.toml"


def _corrected_catalogue_file(tmp_path: Path) -> Path:
    """The shipped Langxi catalogue as version langxi-catalogue-2018.1, effective 2018-01-01, with the bed
    (120100001) price limit raised from 30.00 to 40.00."""
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8")
    bed = 'code = "120100001"\nname = "普通病房床位费（三人间）/日"\nlist = "facility"\nclass = "a"\nunit_price_limit = "30.00"'
    assert text.count(bed) == 1
    text = text.replace(bed, bed.replace('"30.00"', '"40.00"'))
    text = text.replace('version = "langxi-catalogue-2016.1"', 'version = "langxi-catalogue-2018.1"')
    text = text.replace('effective_from = "2016-01-01"', 'effective_from = "2018-01-01"')
    path = tmp_path / "catalogue-2018.1.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_catalogue_correction_published_late_is_applied_by_recalculate_pending(
    invoke, cli_store: str, tmp_path: Path
) -> None:
    """The bed line 7 @ 35.00 = 245.00 settled under the shipped limit 30.00 (compliant 210.00) with a
    G-TREATMENT line of 3,000.00, at a county hospital for a non-poor patient: NCMS (compliant - 300) x 0.90.
    Under the corrected limit 40.00 the line is all compliant: the patient is owed the NCMS difference."""
    from tests.projections.test_registry_and_catalogue import _admission, _register

    with opened(cli_store) as ledger:
        publish_default(ledger)
        poor_patient(ledger, "P", status="none")
        _register(ledger)
        _admission(
            ledger,
            "A1",
            date(2018, 3, 1),
            date(2018, 3, 8),
            [("120100001", "7", "35.00"), ("G-TREATMENT", "1", "3000")],
        )
    assert invoke("verify").exit_code == 0

    published = invoke("catalogue", "publish", str(_corrected_catalogue_file(tmp_path)))
    assert published.exit_code == 0, (published.stdout, published.stderr)
    found = invoke("verify")
    assert found.exit_code == 1 and "P/2018 pending recalculation: catalogue version langxi-catalogue-2018.1" in (
        found.stdout
    )

    run = invoke("recalculate", "--pending")
    assert run.exit_code == 0, (run.stdout, run.stderr)

    def ncms(compliant: Decimal) -> Decimal:
        return ((compliant - Decimal("300")) * Decimal("0.90")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    owed = ncms(Decimal("245.00") + Decimal("3000.00")) - ncms(Decimal("210.00") + Decimal("3000.00"))
    assert owed == Decimal("31.50")
    assert run.stdout.splitlines() == [
        f"pending: 1 patient-years recalculated; 1 changed; compensation owed {owed}",
        f"  P/2018: changed; compensation owed {owed}",
    ]
    clean = invoke("verify", "--json")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["ok"] is True, clean.stdout
    replayed = invoke("replay", "P", "2018")
    assert "re-classified by the recalculation under langxi-catalogue-2018.1" in replayed.stdout
    assert "posted under langxi-catalogue-2016.1: compliant 210.00" in replayed.stdout

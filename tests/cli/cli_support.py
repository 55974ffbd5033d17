"""Helpers for the `ledger` command tests: open a store, read its head, check one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.application.scenario import COUNTY_HOSPITAL, PROVINCE_HOSPITAL
from typer.testing import Result

from service.ledger import BenefitLedger
from service.legacy_shapes import register_hospital_command
from service.settings import Settings

DEFAULT_POLICY_FILE = Path(__file__).parents[2] / "src" / "domain" / "policy" / "langxi_default.toml"


@contextmanager
def opened(url: str) -> Iterator[BenefitLedger]:
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    try:
        yield ledger
    finally:
        ledger.close()


def head(url: str) -> int:
    """The position of the last event in the store: unchanged means nothing was written."""
    with opened(url) as ledger:
        return int(ledger.recorder.max_notification_id() or 0)


def assert_one_line_error(result: Result, *fragments: str, code: int = 2) -> None:
    """Exit status `code`, exactly one line on stderr naming the problem, and no traceback anywhere."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith("ledger: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def worked_example_commands(patient_ref: str = "P-2.3") -> list[dict[str, Any]]:
    """The research's worked example (§2.3) as JSON-typed batch commands (15 of them: the two hospitals'
    registrations first)."""
    hospitals = [register_hospital_command(h) for h in (COUNTY_HOSPITAL, PROVINCE_HOSPITAL)]
    commands = [
        *((h.command, h.command_id, h.model_dump(mode="json", exclude={"command", "command_id"})) for h in hospitals),
        (
            "register_patient",
            f"{patient_ref}:register",
            {"patient_ref": patient_ref, "county_code": "341821", "township": "毕桥镇"},
        ),
        ("enrol_patient", f"{patient_ref}:enrol:2018", {"patient_ref": patient_ref, "year": 2018}),
        (
            "record_poverty_status",
            f"{patient_ref}:status",
            {"patient_ref": patient_ref, "status": "jiandanglika", "effective_from": "2016-01-01"},
        ),
    ]
    for suffix, hospital, compliant, noncompliant, day, referred in (
        ("A", COUNTY_HOSPITAL, "19000.00", "1000.00", "2018-03-12", False),
        ("B", PROVINCE_HOSPITAL, "72000.00", "8000.00", "2018-05-20", True),
    ):
        ref = f"{patient_ref}-{suffix}"
        commands += [
            (
                "register_admission",
                f"{ref}:register",
                {
                    "admission_ref": ref,
                    "patient_ref": patient_ref,
                    "kind": "inpatient",
                    "hospital_code": hospital["code"],
                    "admitted_on": day,
                    "referred": referred,
                },
            ),
            (
                "post_charge_line",
                f"{ref}:line:1",
                {
                    "admission_ref": ref,
                    "line_no": "1",
                    "category": "treatment",
                    "item_code": "G-TREATMENT",
                    "quantity": 1,
                    "unit_price": compliant,
                },
            ),
            (
                "post_charge_line",
                f"{ref}:line:2",
                {
                    "admission_ref": ref,
                    "line_no": "2",
                    "category": "drug",
                    "item_code": "S-DRUGS",
                    "quantity": 1,
                    "unit_price": noncompliant,
                },
            ),
            ("discharge", f"{ref}:discharge", {"admission_ref": ref, "discharged_on": day}),
            ("settle_admission", f"{ref}:settle", {"admission_ref": ref, "settled_at": "2018-07-01T10:00:00+00:00"}),
        ]
    return [{"command": c, "command_id": i, "args": a} for c, i, a in commands]


def write_jsonl(path: Path, commands: list[dict[str, Any]] | list[str]) -> Path:
    lines = [c if isinstance(c, str) else json.dumps(c, ensure_ascii=False) for c in commands]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

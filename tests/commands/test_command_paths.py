"""One path for every command: the registry, the fingerprint, the named regressions of issue 12, the settings."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from tests.api.role_client import ACCESS, bearer
from tests.application.scenario import COUNTY_HOSPITAL, poor_patient, publish_default
from tests.commands.examples import EXAMPLES

from api.command_route import ROUTES
from api.main import create_app
from service.commands import (
    COMMANDS,
    InvalidCommandError,
    PostChargeLine,
    PostLegacyChargeLine,
    RecordFollowUp,
    RegisterPatient,
    SettleAdmission,
    parse_entry,
)
from service.handlers import handled_commands
from service.idempotency import payload_digest
from service.ledger import BenefitLedger
from service.legacy_shapes import ensure_hospital
from service.roles import Role, commands_by_role
from service.settings import Settings

ADMIN, COUNTY = bearer("tok-admin"), bearer("tok-hospital-LX-001")


def test_every_command_has_a_handler_a_route_an_example_and_a_role() -> None:
    assert set(COMMANDS) == set(ROUTES) == set(EXAMPLES)
    assert handled_commands() == set(COMMANDS.values())
    table = commands_by_role()
    assert table[Role.DASHBOARD] == frozenset()
    assert table[Role.HOSPITAL] == {
        "register_admission",
        "post_charge_line",
        "reverse_charge_line",
        "discharge",
        "settle_admission",
        "pay_patient_refund",
        "reverse_settlement",
    }
    assert table[Role.PAYMENT_SERVICE] == {
        "record_fund_reimbursement",
        "pay_retroactive_compensation",
        "create_payment_run",
        "record_payment_result",
        "record_drug_delivery",
        "record_charity_grant",
    }
    assert {"register_hospital", "change_hospital", "post_legacy_charge_line"} <= table[Role.ADMIN]
    for name, example in EXAMPLES.items():  # every example is valid, as an entry (or, unbatchable, a model)
        entry = {"command": name, "command_id": f"x:{name}", "args": example}
        if COMMANDS[name].batchable:
            assert parse_entry(entry).command == name
        else:
            assert COMMANDS[name](command_id="x", **example).command == name


def _old_digest(command: str, payload: dict[str, Any]) -> str:
    """The fingerprint of the code before commands were models (hand-built payload dicts)."""
    body = orjson.dumps({"command": command, "payload": payload}, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(body).hexdigest()


def test_fingerprints_are_the_canonical_serialisation_and_match_those_already_recorded() -> None:
    """A retry of a command recorded before this change is still a replay (same digest), not a 'reused id'."""
    legacy = PostLegacyChargeLine(
        command_id="c",
        admission_ref="A",
        line_no="1",
        category="drug",
        amount="12.5",
        compliant=True,
        expected_version=3,
    )
    old = {"admission_ref": "A", "line_no": "1", "category": "drug", "amount": Decimal("12.50"), "compliant": True}
    assert payload_digest("post_charge_line", legacy.fingerprint_payload(str)) == _old_digest("post_charge_line", old)
    line = PostChargeLine(command_id="c", admission_ref="A", line_no="1", item_code="G-DRUGS", quantity=2, unit_price=5)
    assert line.fingerprint_payload(str) == {
        "admission_ref": "A",
        "line_no": "1",
        "item_code": "G-DRUGS",
        "quantity": Decimal("2"),
        "unit_price": Decimal("5.00"),
        "category": "charge",
    }
    settle = SettleAdmission(command_id="s", admission_ref="A")
    assert payload_digest(settle.command, settle.fingerprint_payload(str)) == _old_digest(
        "settle_admission", {"admission_ref": "A", "settled_at": None}
    )
    follow = RecordFollowUp(command_id="f", patient_ref="P", followed_up_on="2018-02-01", blood_glucose="6.1")
    old = {
        "patient_ref": "P",
        "followed_up_on": date(2018, 2, 1),
        "heart_rate": None,
        "blood_glucose": Decimal("6.1"),
        "systolic": None,
        "diastolic": None,
    }
    assert payload_digest(follow.command, follow.fingerprint_payload(str)) == _old_digest("record_follow_up", old)


def test_personal_identifiers_enter_the_fingerprint_only_as_a_keyed_hmac() -> None:
    patient = RegisterPatient(
        command_id="p", patient_ref="P", county_code="341821", name="张三", id_card_no="11010519491231002x"
    )
    payload = patient.fingerprint_payload(lambda sealed: "HMAC(" + ",".join(sorted(sealed)) + ")")
    assert payload == {
        "patient_ref": "P",
        "county_code": "341821",
        "township": "",
        "personal": "HMAC(id_card_no,name)",
    }
    assert patient.id_card_no == "11010519491231002X"  # normalised as before: the check character upper-case


def test_python_callers_get_the_same_refusals_as_a_route() -> None:
    with pytest.raises(InvalidCommandError) as refused:
        PostChargeLine(
            command_id="c", admission_ref="A/1", line_no="1", item_code="G-DRUGS", quantity=1, unit_price=1.5
        )
    assert {e["field"] for e in refused.value.errors} == {"admission_ref", "unit_price"}


# ---- over HTTP, on both stores -------------------------------------------------------------------
@pytest.fixture
def http(ledger: BenefitLedger) -> Iterator[TestClient]:
    publish_default(ledger)
    poor_patient(ledger, "P")
    with TestClient(create_app(ledger=ledger, access=ACCESS), raise_server_exceptions=False) as client:
        yield client


def _batch(http: TestClient, *entries: dict[str, Any], headers: dict[str, str] = ADMIN) -> Any:
    return http.post("/batches", json={"commands": list(entries)}, headers=headers)


def test_a_nul_byte_is_refused_on_both_paths_and_every_report_still_answers(
    http: TestClient, ledger: BenefitLedger
) -> None:
    """The regression: a NUL in a diagnosis or hospital name was accepted (201) and then every PostgreSQL
    report answered 500 until the projection was repaired by hand."""
    before = ledger.recorder.max_notification_id()
    for args in ({**EXAMPLES["register_admission"], "patient_ref": "P", "diagnosis": "pneumonia\x00"},):
        single = http.post("/admissions", json={"command_id": "nul", **args}, headers=COUNTY)
        batch = _batch(http, {"command": "register_admission", "command_id": "nul", "args": args}, headers=COUNTY)
        assert single.status_code == batch.status_code == 422, (single.text, batch.text)
        assert "control character" in single.json()["detail"]
    assert ledger.recorder.max_notification_id() == before
    for report in ("/reports/counties/341821/2018", "/reports/hospitals", "/reports/retroactive-compensation"):
        assert http.get(report, headers=bearer("tok-auditor")).status_code == 200, report


def test_kind_defaults_alike_and_unknown_hospital_keys_are_refused_alike(
    http: TestClient, ledger: BenefitLedger
) -> None:
    ensure_hospital(ledger, COUNTY_HOSPITAL)
    args = {"patient_ref": "P", "hospital_code": "LX-001", "admitted_on": "2018-03-01"}  # no kind
    assert (
        http.post("/admissions", json={"command_id": "a1", "admission_ref": "A1", **args}, headers=COUNTY).status_code
        == 201
    )
    entry = {"command": "register_admission", "command_id": "a2", "args": {"admission_ref": "A2", **args}}
    assert _batch(http, entry, headers=COUNTY).status_code == 201
    assert ledger.get_admission("A1").kind == ledger.get_admission("A2").kind == "inpatient"
    extra = {**args, "admission_ref": "A3", "beds": 400}
    single = http.post("/admissions", json={"command_id": "a3", **extra}, headers=COUNTY)
    batch = _batch(http, {"command": "register_admission", "command_id": "a3", "args": extra}, headers=COUNTY)
    assert single.status_code == batch.status_code == 422
    assert (
        single.json()["errors"]
        == batch.json()["errors"]
        == [{"field": "beds", "location": "body", "message": "unknown field"}]
    )
    declared = {**args, "admission_ref": "A4", "hospital": COUNTY_HOSPITAL}
    single = http.post("/admissions", json={"command_id": "a4", **declared}, headers=COUNTY)
    batch = _batch(http, {"command": "register_admission", "command_id": "a4", "args": declared}, headers=COUNTY)
    assert single.status_code == batch.status_code == 422
    assert single.json()["errors"] == batch.json()["errors"]
    assert "send hospital_code only" in single.json()["detail"]


def test_a_megabyte_township_in_a_batch_is_refused_like_on_its_route(http: TestClient, ledger: BenefitLedger) -> None:
    args = {"patient_ref": "P-BIG", "county_code": "341821", "township": "镇" * 1_000_000}
    before = ledger.recorder.max_notification_id()
    single = http.post("/patients", json={"command_id": "big", **args}, headers=ADMIN)
    batch = _batch(http, {"command": "register_patient", "command_id": "big", "args": args})
    assert single.status_code == batch.status_code == 422
    assert single.json()["errors"] == batch.json()["errors"]
    assert single.json()["errors"][0]["field"] == "township"
    assert ledger.recorder.max_notification_id() == before


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_parsed(http: TestClient, ledger: BenefitLedger) -> None:
    ten_mb = json.dumps({"commands": [{"command": "discharge", "command_id": "x", "args": {"pad": "x" * 10_000_000}}]})
    for path in ("/batches", "/patients"):
        response = http.post(path, content=ten_mb, headers={**ADMIN, "content-type": "application/json"})
        assert response.status_code == 413, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["status"] == 413 and "4,194,304 bytes" in problem["detail"]
    chunked = http.post(
        "/batches", content=iter([b"x" * 1_000_000] * 5), headers={**ADMIN, "content-type": "application/json"}
    )
    assert chunked.status_code == 413  # no Content-Length: counted while it streams in


def test_a_command_that_runs_its_own_transactions_is_refused_in_a_batch(http: TestClient) -> None:
    entry = {"command": "recalculate_for_policy", "command_id": "r", "args": EXAMPLES["recalculate_for_policy"]}
    response = _batch(http, entry)
    assert response.status_code == 422 and "use its route" in response.json()["detail"]


# ---- settings ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"), [("false", False), ("0", False), ("off", False), ("true", True), ("1", True)]
)
def test_group_commit_is_parsed_one_way_for_every_process(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("LEDGER_GROUP_COMMIT", value)
    settings = Settings()
    assert settings.group_commit_or(True) is expected  # the API server's default is on
    assert settings.group_commit_or(False) is expected  # the CLI's is off; a value set wins for both


def test_unset_or_empty_settings_take_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_GROUP_COMMIT", "")
    monkeypatch.delenv("LEDGER_BODY_LIMIT_BYTES", raising=False)
    settings = Settings()
    assert settings.group_commit is None and settings.group_commit_or(True) and not settings.group_commit_or(False)
    assert settings.body_limit_bytes == 4 * 1024 * 1024


def test_the_postgres_session_timeouts_reach_the_recorders_environment() -> None:
    env = Settings(
        database_url="postgresql://u@db:5432/ledger?schema=s",
        pg_statement_timeout_ms=1500,
        pg_lock_timeout_ms=2500,
        pg_idle_in_transaction_timeout_ms=700,
    ).store.env
    assert env["POSTGRES_STATEMENT_TIMEOUT_MS"] == "1500"
    assert env["POSTGRES_LOCK_TIMEOUT"] == "3"  # whole seconds, rounded up
    assert env["POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT_MS"] == "700"
    assert env["POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT"] == "1"


def test_the_ledger_reads_its_settings_not_the_process_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("LEDGER_CHAIN_KEY", "a-key-from-the-environment-only")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/l.db", chain_key=None)
    ledger = BenefitLedger.from_settings(settings)
    try:
        assert ledger.env.get("LEDGER_CHAIN_KEY") == ""  # the explicit None, not the environment's key
    finally:
        ledger.close()

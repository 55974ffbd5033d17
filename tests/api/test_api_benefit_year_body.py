"""GET /patients/{ref}/years/{year} writes the year's body directly (api.benefit_year_body): byte for byte what
the `BenefitYearPublic` response model gave, for every state of varied years (every prefix of the stream, as
`as_of` reads it), on SQLite and PostgreSQL; the kept body follows every new event; ETag / If-None-Match."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from role_client import ACCESS, bearer
from tests.application.hainan_scenario import (
    TUMOUR_HOSPITAL,
    confirm_and_plan,
    grant,
    hainan_patient,
    oesophagectomy,
    publish_hainan,
)
from tests.application.scenario import (
    COUNTY_HOSPITAL,
    admit_and_settle,
    esrd_settled_before_5090,
    poor_patient,
    publish_default,
    publish_retroactive_5090,
    worked_example,
)

from api.benefit_year_body import BenefitYearBodies, benefit_year_body
from api.main import create_app
from api.responses import OrjsonResponse, decimal_text
from api.schemas.settlements import BenefitYearPublic
from domain import ids
from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.money import ZERO
from service.commands import (
    PayRetroactiveCompensation,
    RecalculateBenefitYear,
    RecalculateForPolicy,
    RecordAuditFinding,
    RecordBenefitRecovery,
    RecordPovertyStatus,
    ReverseBenefitForFraud,
)
from service.ledger import BenefitLedger

AUDITOR = bearer("tok-auditor")


def _model_route_bytes() -> tuple[TestClient, list[BenefitYearHistory]]:
    """The route as it was: `response_model=BenefitYearPublic` returning the model, rendered by OrjsonResponse."""
    shown: list[BenefitYearHistory] = []
    app = FastAPI(default_response_class=OrjsonResponse)

    @app.get("/year", response_model=BenefitYearPublic)
    def year() -> BenefitYearPublic:
        return BenefitYearPublic.of(shown[-1])

    return TestClient(app), shown


@pytest.fixture
def model_bytes() -> Iterator[Callable[[BenefitYearHistory], bytes]]:
    client, shown = _model_route_bytes()

    def render(history: BenefitYearHistory) -> bytes:
        shown.append(history)
        response = client.get("/year")
        assert response.status_code == 200, response.text
        return response.content

    with client:
        yield render


# ---- varied years -------------------------------------------------------------------------------
def _worked_example_with_audit_deduction(ledger: BenefitLedger) -> tuple[str, int]:
    """Langxi: county and referred province settlements, then an audit deduction (hold-harmless)."""
    publish_default(ledger)
    worked_example(ledger, "P-W")
    ledger.handle(
        RecordAuditFinding(
            command_id="f1",
            finding_ref="F1",
            admission_ref="P-W-A",
            line_nos=["1"],
            reason="unreasonable_examination",
            found_on=date(2018, 7, 5),
        )
    )
    return "P-W", 2018


def _retroactive_5090_with_compensation_paid(ledger: BenefitLedger) -> tuple[str, int]:
    """A retroactive policy version recalculates the year (compensation owed), part of it paid."""
    esrd_settled_before_5090(ledger, ("P-R",))
    publish_retroactive_5090(ledger)
    ledger.handle(RecalculateForPolicy(command_id="recalc-5090", region="341821", version="langxi-2018.2-5090"))
    owed = next(r for r in ledger.get_benefit_year("P-R", 2018).settlements if r["compensation_owed"] > 0)
    ledger.handle(
        PayRetroactiveCompensation(
            command_id="pay-1",
            patient_ref="P-R",
            year=2018,
            settlement_id=owed["settlement_id"],
            amount=Decimal("1000.00"),
            paid_on=date(2018, 8, 1),
        )
    )
    return "P-R", 2018


def _fraud_reversal_with_recovery(ledger: BenefitLedger) -> tuple[str, int]:
    """Three settlements, the second reversed for fraud (the third re-settled), part recovered."""
    publish_default(ledger)
    poor_patient(ledger, "P-F")
    for n, day in enumerate([date(2018, 2, 1), date(2018, 4, 1), date(2018, 6, 1)]):
        admit_and_settle(ledger, "P-F", f"F{n}", COUNTY_HOSPITAL, total="30000", compliant="27000", day=day)
    ledger.handle(
        ReverseBenefitForFraud(
            command_id="fraud-1",
            finding_ref="F-FRAUD-1",
            patient_ref="P-F",
            year=2018,
            settlement_ids=["F1#1"],
            reason="冒名住院",
            found_on=date(2018, 8, 1),
        )
    )
    ledger.handle(
        RecordBenefitRecovery(
            command_id="rec-1",
            patient_ref="P-F",
            year=2018,
            settlement_id="F1#1",
            amount=Decimal("1000.00"),
            recovered_on=date(2018, 9, 1),
        )
    )
    return "P-F", 2018


def _late_fact_recalculated(ledger: BenefitLedger) -> tuple[str, int]:
    """Settled as not poor; a poverty status recorded late, effective before: the year re-read and recalculated."""
    publish_default(ledger)
    poor_patient(ledger, "P-L", status="none")
    admit_and_settle(ledger, "P-L", "P-L-A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 12))
    ledger.handle(
        RecordPovertyStatus(
            command_id="P-L:late-status",
            patient_ref="P-L",
            status="jiandanglika",
            effective_from=date(2018, 1, 1),
            reason="建档立卡 recorded late",
        )
    )
    ledger.handle(RecalculateBenefitYear(command_id="recalc-late", patient_ref="P-L", year=2018))
    return "P-L", 2018


def _hainan_major_disease_with_charity(ledger: BenefitLedger) -> tuple[str, int]:
    """琼中: 食管癌 surgery at the designated centre with a treatment plan and a charity grant."""
    publish_hainan(ledger)
    hainan_patient(ledger, "H-1")
    confirm_and_plan(ledger, "H-1")
    grant(ledger, "H-1", "G-1", "3000")
    oesophagectomy(ledger, "H-1", TUMOUR_HOSPITAL)
    return "H-1", 2018


def _catalogue_correction_re_classified(ledger: BenefitLedger) -> tuple[str, int]:
    """Lines classified under the shipped catalogue; a correction raises the bed's price limit from before the
    admission; the year's recalculation re-classifies the posted lines (`current_lines` is not null)."""
    from tests.application.test_reclassified_lines import publish_correction, settle_visit
    from tests.projections.test_registry_and_catalogue import _register

    publish_default(ledger)
    poor_patient(ledger, "P", status="none")
    _register(ledger)
    settle_visit(ledger)
    publish_correction(ledger, unit_price_limit="40.00")
    ledger.handle(RecalculateBenefitYear(command_id="recalc-P", patient_ref="P", year=2018))
    (record,) = ledger.get_benefit_year("P", 2018).settlements
    assert sorted(record["current_facts"]["lines"]) == ["1", "2"]
    return "P", 2018


YEARS = [
    _worked_example_with_audit_deduction,
    _retroactive_5090_with_compensation_paid,
    _fraud_reversal_with_recovery,
    _late_fact_recalculated,
    _hainan_major_disease_with_charity,
    _catalogue_correction_re_classified,
]


@pytest.mark.parametrize("build", YEARS, ids=lambda build: build.__name__.strip("_"))
def test_the_body_is_the_response_models_bytes_at_every_state_of_the_year(
    ledger: BenefitLedger, build: Callable[[BenefitLedger], tuple[str, int]], model_bytes: Any
) -> None:
    patient_ref, year = build(ledger)
    events = list(ledger.events.get(ids.benefit_year_id(patient_ref, year)))
    assert len(events) >= 2
    for event in events:  # the year as recorded after each of its events (what `as_of` answers)
        history = ledger.benefit_year_as_of(patient_ref, year, event.timestamp)
        assert benefit_year_body(history) == model_bytes(history)
    now = ledger.get_benefit_year(patient_ref, year)
    assert now.version == len(events) and benefit_year_body(now) == model_bytes(now)
    with TestClient(create_app(ledger=ledger, access=ACCESS)) as client:
        url = f"/patients/{patient_ref}/years/{year}"
        response = client.get(url, headers=AUDITOR)
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        assert response.content == model_bytes(now)
        first = events[1].timestamp.isoformat()
        then = client.get(url, params={"as_of": first}, headers=AUDITOR)
        assert then.content == model_bytes(ledger.benefit_year_as_of(patient_ref, year, events[1].timestamp))


def test_the_kept_body_follows_every_new_event_and_answers_304_while_unchanged(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-C")
    admit_and_settle(ledger, "P-C", "C0", COUNTY_HOSPITAL, total="8000", compliant="7000", day=date(2018, 2, 1))
    app = create_app(ledger=ledger, access=ACCESS)
    with TestClient(app) as client:
        bodies: BenefitYearBodies = app.state.benefit_year_bodies
        url = "/patients/P-C/years/2018"
        first = client.get(url, headers=AUDITOR)
        again = client.get(url, headers=AUDITOR)
        assert first.content == again.content and bodies.folds == 1  # the second read kept the body
        tag = first.headers["etag"]
        assert tag == f'W/"{first.json()["version"]}"' and first.headers["cache-control"] == "private, no-cache"
        unchanged = client.get(url, headers={**AUDITOR, "If-None-Match": tag})
        assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == tag
        admit_and_settle(ledger, "P-C", "C1", COUNTY_HOSPITAL, total="9000", compliant="9000", day=date(2018, 3, 1))
        changed = client.get(url, headers={**AUDITOR, "If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag and bodies.folds == 2
        assert [r["settlement_id"] for r in changed.json()["settlements"]] == ["C0#1", "C1#1"]
        assert changed.content == benefit_year_body(ledger.get_benefit_year("P-C", 2018))
        assert client.get(url, headers=bearer("tok-hospital-LX-001")).status_code == 403  # access first
        assert client.get("/patients/P-C/years/2019", headers=AUDITOR).status_code == 404
        assert client.get("/patients/P-C/years/2019", headers=AUDITOR).status_code == 404  # nothing kept for it


def test_the_kept_bodies_stay_within_their_bytes_and_none_are_kept_at_zero(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    for ref in ("P-1", "P-2", "P-3"):
        poor_patient(ledger, ref)
        admit_and_settle(ledger, ref, f"{ref}-A", COUNTY_HOSPITAL, total="5000", compliant="5000", day=date(2018, 2, 1))
    size = len(benefit_year_body(ledger.get_benefit_year("P-1", 2018)))
    bodies = BenefitYearBodies(max_bytes=2 * size + size // 2)  # room for two
    for ref in ("P-1", "P-2", "P-3", "P-3", "P-2", "P-1"):
        body, version = bodies.body(ledger, ref, 2018)
        assert body == benefit_year_body(ledger.get_benefit_year(ref, 2018)) and version > 0
    assert bodies.folds == 4  # P-1, P-2, P-3 folded; P-3 and P-2 kept; P-1 had been dropped (least recently read)
    none = BenefitYearBodies(max_bytes=0)
    none.body(ledger, "P-1", 2018)
    none.body(ledger, "P-1", 2018)
    assert none.folds == 2


def test_reads_racing_new_settlements_each_get_the_body_of_the_version_they_name(ledger: BenefitLedger) -> None:
    """Four reader threads share the kept bodies while settlements are appended: every body a reader gets is
    the fold of the year at the version returned with it, and the last read sees the last settlement."""
    publish_default(ledger)
    poor_patient(ledger, "P-T")
    admit_and_settle(ledger, "P-T", "T0", COUNTY_HOSPITAL, total="6000", compliant="6000", day=date(2018, 2, 1))
    bodies = BenefitYearBodies()
    seen: list[tuple[int, bytes]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            body, version = bodies.body(ledger, "P-T", 2018)
            seen.append((version, body))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for n in range(1, 4):
            day = date(2018, 2, 1 + 7 * n)
            admit_and_settle(ledger, "P-T", f"T{n}", COUNTY_HOSPITAL, total="6000", compliant="6000", day=day)
    finally:
        done.set()
        for reader in readers:
            reader.join()
    final, version = bodies.body(ledger, "P-T", 2018)
    assert version == 5 and final == benefit_year_body(ledger.get_benefit_year("P-T", 2018))  # opened + 4
    by_version = dict(seen)
    assert seen and set(by_version) <= {2, 3, 4, 5}
    for v, body in by_version.items():
        assert body == benefit_year_body(ledger.get_benefit_year("P-T", 2018, version=v))
    assert all(body == by_version[v] for v, body in seen)  # one body per version


def _decimal_text_as_it_was(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return str(value + ZERO)
    return str(value)


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None)
    | st.decimals(min_value=-(10**12), max_value=10**12, places=2)
    | st.integers(min_value=-(10**15), max_value=10**15).map(Decimal)
)
def test_decimal_text_reads_the_common_shapes_from_the_text_with_the_same_result(value: Decimal) -> None:
    assert decimal_text(value) == _decimal_text_as_it_was(value)


def test_decimal_text_keeps_two_places_and_never_rounds() -> None:
    assert [decimal_text(Decimal(t)) for t in ("300", "0.9", "16830.00", "1.005", "-0", "-4500", "1E+3")] == [
        "300.00",
        "0.90",
        "16830.00",
        "1.005",
        "0.00",
        "-4500.00",
        "1000.00",
    ]

"""The EOB's amounts are the settlement's, to the fen: the research's worked example (§2.3).

A: county hospital, 20,000 (19,000 compliant). B: province hospital, referred, 80,000 (72,000
compliant). Amounts are read back from the JSON text as Decimal, so "49700.00" must be written
with its two places.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tests.application.scenario import policy_variant, publish_default, worked_example

from interop.eob_export import export_settlement
from interop.fhir_json import dumps, loads
from service.commands import PublishPolicyVersion, RecalculateForPolicy
from service.ledger import BenefitLedger

D = Decimal


@pytest.fixture
def settled(ledger: BenefitLedger) -> BenefitLedger:
    publish_default(ledger)
    worked_example(ledger)
    return ledger


def _eob(ledger: BenefitLedger, settlement_id: str, **options: bool) -> dict:
    return loads(dumps(export_settlement(ledger, settlement_id, **options)))


def _by_payer(eob: dict) -> dict[str, Decimal]:
    return {entry["category"]["coding"][0]["code"]: entry["amount"]["value"] for entry in eob["adjudication"]}


def _totals(eob: dict) -> dict[str, Decimal]:
    return {entry["category"]["coding"][0]["code"]: entry["amount"]["value"] for entry in eob["total"]}


def _assert_fen(*amounts: Decimal) -> None:
    for amount in amounts:
        assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -2, amount


def test_each_payer_layer_of_b_is_its_adjudication_to_the_fen(settled: BenefitLedger) -> None:
    eob = _eob(settled, "P-2.3-B#1")
    layers = _by_payer(eob)
    assert layers == {
        "ncms": D("49700.00"),
        "cii": D("11682.00"),
        "ma": D("5309.00"),
        "b351": D("0.00"),
        "s5090": D("0.00"),
        "reassist": D("0.00"),
    }
    _assert_fen(*layers.values())
    recorded = settled.get_benefit_year("P-2.3", 2018).settlements[1]["settlement"]["layers"]
    assert layers == {layer["payer"]: layer["amount"] for layer in recorded}
    assert {entry["amount"]["currency"] for entry in eob["adjudication"]} == {"CNY"}
    ma = next(entry for entry in eob["adjudication"] if entry["category"]["coding"][0]["code"] == "ma")
    assert ma["value"] == D("0.50") and ma["reason"]["text"] == "10618.00 x 0.50 = 5309.00"
    assert ma["category"]["coding"][0]["display"] == "民政救助"


def test_totals_and_payment_of_b_add_up(settled: BenefitLedger) -> None:
    eob = _eob(settled, "P-2.3-B#1")
    totals = _totals(eob)
    assert totals == {
        "submitted": D("80000.00"),
        "eligible": D("72000.00"),
        "benefit": D("66691.00"),
        "patient-share": D("13309.00"),
        "hospital-borne": D("0.00"),
    }
    _assert_fen(*totals.values())
    assert totals["benefit"] + totals["patient-share"] + totals["hospital-borne"] == totals["submitted"]
    assert sum(_by_payer(eob).values(), D("0.00")) == totals["benefit"]
    assert eob["payment"]["amount"] == {"value": D("66691.00"), "currency": "CNY"}
    assert "adjustment" not in eob["payment"]


def test_charge_line_items_carry_their_amounts(settled: BenefitLedger) -> None:
    eob = _eob(settled, "P-2.3-B#1")
    items = [
        (
            item["sequence"],
            item["extension"][0]["valueString"],
            item["net"]["value"],
            {a["category"]["coding"][0]["code"]: a["amount"]["value"] for a in item["adjudication"]},
        )
        for item in eob["item"]
    ]
    assert items == [
        (1, "1", D("72000.00"), {"submitted": D("72000.00"), "eligible": D("72000.00")}),
        (2, "2", D("8000.00"), {"submitted": D("8000.00"), "eligible": D("0.00")}),
    ]
    per_claim = _eob(settled, "P-2.3-B#1", per_line=False)
    (item,) = per_claim["item"]
    assert item["net"]["value"] == D("80000.00") and item["servicedDate"] == "2018-05-20"


def test_the_year_of_both_eobs_is_the_worked_example_year(settled: BenefitLedger) -> None:
    a, b = _eob(settled, "P-2.3-A#1"), _eob(settled, "P-2.3-B#1")
    assert _by_payer(a) == {
        "ncms": D("16830.00"),
        "cii": D("0.00"),
        "ma": D("1085.00"),
        "b351": D("0.00"),
        "s5090": D("0.00"),
        "reassist": D("0.00"),
    }
    assert _totals(a)["patient-share"] == D("2085.00")
    assert _totals(a)["benefit"] + _totals(b)["benefit"] == D("84606.00")
    assert _totals(a)["patient-share"] + _totals(b)["patient-share"] == D("15394.00")


def test_the_json_text_keeps_two_places(settled: BenefitLedger) -> None:
    text = dumps(export_settlement(settled, "P-2.3-B#1"))
    assert '"value": 49700.00,' in text and '"value": 0.00,' in text and '"currency": "CNY"' in text
    assert "安徽省立医院" in text  # written as UTF-8, not escaped


def test_a_recalculated_settlement_exports_current_amounts_and_what_is_owed(settled: BenefitLedger) -> None:
    variant = policy_variant(
        "langxi-2018.2-ma60", datetime(2018, 7, 15, tzinfo=UTC), **{"ma.by_status.jiandanglika.ratio": "0.60"}
    )
    settled.handle(PublishPolicyVersion.of(variant, command_id="publish-ma60"))
    settled.handle(RecalculateForPolicy(command_id="recalc-ma60", region="341821", version="langxi-2018.2-ma60"))
    current, original = _eob(settled, "P-2.3-B#1"), _eob(settled, "P-2.3-B#1", as_settled=True)
    # 救助 at 60 %: 10,618.00 x 0.60 = 6,370.80 instead of 5,309.00; the patient is owed the 1,061.80
    assert _by_payer(current)["ma"] == D("6370.80") and _by_payer(original)["ma"] == D("5309.00")
    assert _totals(current)["patient-share"] == D("12247.20")
    assert current["payment"]["adjustment"] == {"value": D("1061.80"), "currency": "CNY"}
    assert "adjustment" not in original["payment"]
    assert current["disposition"] == "settled under policy 341821/langxi-2018.2-ma60"
    assert original["disposition"] == "settled under policy 341821/langxi-2018.1"

"""FHIR JSON with exact decimals: written with their own digits, read back as Decimal."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from interop.fhir_json import dumps, loads


def test_decimals_keep_their_places_both_ways() -> None:
    value = {"a": Decimal("49700.00"), "b": [Decimal("0.10"), Decimal(1), Decimal("-0.05")], "c": "郎溪"}
    text = dumps(value)
    assert '"a": 49700.00' in text and "0.10" in text and '"c": "郎溪"' in text
    back = loads(text)
    assert back == value
    assert back["b"][0].as_tuple().exponent == -2 and back["b"][2].as_tuple().exponent == -2
    assert back["b"][1] == 1  # an integral decimal is written "1", a valid FHIR decimal
    assert back["a"].as_tuple().exponent == -2


def test_compact_output_is_standard_json() -> None:
    value = {"resourceType": "X", "n": 3, "ok": True, "none": None, "nested": {"list": [], "obj": {}}}
    assert json.loads(dumps(value, indent=False)) == value
    compact = '{"resourceType":"X","n":3,"ok":true,"none":null,"nested":{"list":[],"obj":{}}}'
    assert dumps(value, indent=False) == compact


@pytest.mark.parametrize(
    "bad, error",
    [
        ({"v": 1.5}, TypeError),  # a float has no exact decimal: refused, never written
        ({"v": Decimal("NaN")}, ValueError),
        ({"v": Decimal("Infinity")}, ValueError),
        ({1: "x"}, TypeError),
    ],
)
def test_values_fhir_cannot_hold_exactly_are_refused(bad: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        dumps(bad)

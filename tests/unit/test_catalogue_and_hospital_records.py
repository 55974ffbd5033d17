"""The 三目录 catalogue's classification of a charge line, and the hospital registry's records in force."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.registry.catalogue import CatalogueError, catalogue_in_force, classify_line, parse_catalogue
from domain.registry.catalogue_files import shipped_catalogue_in_force, shipped_catalogues
from domain.registry.hospitals import HospitalRecord, in_force_on
from domain.vocabulary import Tier

D = Decimal
LANGXI = shipped_catalogue_in_force("341821", date(2018, 3, 1))


def test_the_shipped_catalogues_are_labelled_illustrative_and_cover_both_regions() -> None:
    assert {c.region for c in shipped_catalogues()} == {"341821", "469030"}
    assert all(c.confidence == "ILLUSTRATIVE" for c in shipped_catalogues())
    assert LANGXI is not None and LANGXI.version == "langxi-catalogue-2016.1"
    assert shipped_catalogue_in_force("341821", date(2015, 12, 31)) is None


def test_class_a_within_the_limit_is_all_compliant() -> None:
    assert LANGXI is not None
    line = classify_line(LANGXI, "250101001", D("2"), D("18.00"))  # 血常规, limit 20.00
    assert (line.amount, line.compliant_amount, line.over_limit, line.out_of_catalogue) == (
        D("36.00"),
        D("36.00"),
        D("0.00"),
        D("0.00"),
    )
    assert "class A" in line.reason and line.catalogue_version == "langxi-catalogue-2016.1"


def test_over_the_price_limit_and_the_class_b_self_pay_share() -> None:
    assert LANGXI is not None
    bed = classify_line(LANGXI, "120100001", D("10"), D("35"))  # limit 30.00 a day
    assert (bed.amount, bed.compliant_amount, bed.over_limit) == (D("350.00"), D("300.00"), D("50.00"))
    assert "超限价" in bed.reason
    drug = classify_line(LANGXI, "XJ01DD04", D("3"), D("30.00"))  # class B, limit 28.00, 10 % paid first
    assert (drug.amount, drug.over_limit, drug.self_pay, drug.compliant_amount) == (
        D("90.00"),
        D("6.00"),
        D("8.40"),
        D("75.60"),
    )
    assert "先自付" in drug.reason


def test_self_pay_items_and_unknown_codes_are_out_of_catalogue_and_say_so() -> None:
    assert LANGXI is not None
    albumin = classify_line(LANGXI, "XB05AA01", D("1"), D("400"))
    assert (albumin.compliant_amount, albumin.out_of_catalogue) == (D("0.00"), D("400.00"))
    assert "self-pay item" in albumin.reason
    unknown = classify_line(LANGXI, "NO-SUCH-ITEM", D("2"), D("5"))
    assert (unknown.item_name, unknown.compliant_amount, unknown.out_of_catalogue) == (None, D("0.00"), D("10.00"))
    assert unknown.reason == "NO-SUCH-ITEM is not in catalogue langxi-catalogue-2016.1: out of catalogue"


@given(
    code=st.sampled_from(sorted(LANGXI.items) + ["UNKNOWN"] if LANGXI else ["UNKNOWN"]),
    quantity=st.decimals(min_value=D("0.001"), max_value=D("999"), places=3),
    price=st.decimals(min_value=D("0.01"), max_value=D("99999"), places=2),
)
def test_the_parts_always_add_up_to_the_amount_in_fen(code: str, quantity: Decimal, price: Decimal) -> None:
    assert LANGXI is not None
    line = classify_line(LANGXI, code, quantity, price)
    parts = (line.compliant_amount, line.over_limit, line.self_pay, line.out_of_catalogue)
    assert sum(parts) == line.amount and all(p >= 0 for p in parts)
    assert all(p.as_tuple().exponent == -2 for p in (*parts, line.amount))


def test_a_catalogue_file_that_does_not_fit_is_refused() -> None:
    meta = {"region": "341821", "version": "x", "effective_from": "2019-01-01", "confidence": "ILLUSTRATIVE"}
    item = {"code": "A", "name": "a", "list": "drug", "class": "a"}
    with pytest.raises(CatalogueError, match="listed twice"):
        parse_catalogue({"meta": meta, "item": [item, item]})
    with pytest.raises(CatalogueError, match="not float"):
        parse_catalogue({"meta": meta, "item": [{**item, "unit_price_limit": 1.5}]})
    with pytest.raises(CatalogueError, match="class b"):
        parse_catalogue({"meta": meta, "item": [{**item, "self_pay_share": "0.1"}]})
    later = parse_catalogue({"meta": meta, "item": [item]})
    assert LANGXI is not None
    assert catalogue_in_force([LANGXI, later], "341821", date(2019, 1, 1)) is later
    assert catalogue_in_force([LANGXI, later], "341821", date(2018, 12, 31)) is LANGXI


def _record(**changes: object) -> HospitalRecord:
    base = {
        "code": "LX-001",
        "name": "郎溪县人民医院",
        "tier": Tier.COUNTY,
        "county_code": "341821",
        "township": "建平镇",
        "in_province": True,
        "ncms_designated": True,
        "designated_centre_for": ("esrd",),
        "effective_from": date(2016, 1, 1),
        "effective_to": None,
    }
    return HospitalRecord(**{**base, **changes})  # type: ignore[arg-type]


def test_the_latest_recorded_record_covering_a_day_is_in_force() -> None:
    first = _record()
    upgraded = _record(tier=Tier.CITY, effective_from=date(2018, 7, 1))
    correction = _record(name="郎溪县人民医院（更正）", effective_from=date(2018, 1, 1), effective_to=date(2018, 3, 31))
    records = [first, upgraded, correction]
    assert in_force_on(records, date(2017, 5, 1)) is first
    assert in_force_on(records, date(2018, 2, 1)) is correction
    assert in_force_on(records, date(2018, 5, 1)) is first
    assert in_force_on(records, date(2018, 8, 1)) is upgraded
    assert in_force_on(records, date(2015, 12, 31)) is None
    assert HospitalRecord.from_dict(upgraded.to_dict()) == upgraded


def test_in_county_is_the_ledgers_finding_and_inconsistent_records_are_named() -> None:
    county = _record()
    assert county.in_county_of("341821") and not county.in_county_of("341802")
    assert not _record(tier=Tier.CITY).in_county_of("341821")
    assert county.is_designated_centre("esrd") and not county.is_designated_centre("leukaemia")
    assert _record(tier=Tier.OUT_OF_PROVINCE).check_consistent() == "an out_of_province hospital cannot be in_province"
    assert _record(effective_to=date(2015, 1, 1)).check_consistent() == "effective_to is before effective_from"


def test_a_registry_record_makes_its_hospital_a_designated_centre_for_its_diseases() -> None:
    from tests.unit.builders import hainan_policy
    from tests.unit.test_hainan_claim_facts import admission

    from domain.aggregates.claim_facts import treated_disease

    policy, at = hainan_policy(), admission("QZ-001", "county")
    record = _record(code="QZ-001", designated_centre_for=("esophageal_cancer",))
    assert treated_disease(policy, at, "esophageal_cancer", None).designated_centre is False
    assert treated_disease(policy, at, "esophageal_cancer", None, record).designated_centre is True
    assert treated_disease(policy, at, "leukaemia", None, record).designated_centre is False

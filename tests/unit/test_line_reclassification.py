"""domain.registry.reclassification, pure: a posted line re-classified by the catalogue it was posted under is the
line as posted (so a recalculation with no catalogue change counts the same compliant cost); another version
moves its parts; legacy and reversed lines are never re-classified; with no version in force the posted verdict
stands."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.aggregates.admission import line_compliant_amount
from domain.money import money_sum
from domain.registry.catalogue import ItemClass, classify_line
from domain.registry.catalogue_files import shipped_catalogue_in_force
from domain.registry.reclassification import compliant_with, reclassify_lines

LANGXI = shipped_catalogue_in_force("341821", date(2018, 3, 1))
assert LANGXI is not None
BED = "120100001"


def classified(code: str, quantity: str, price: str, *, reversed_: bool = False) -> dict[str, Any]:
    """A line as Admission._charge_line_classified records it."""
    c = classify_line(LANGXI, code, Decimal(quantity), Decimal(price)).to_dict()
    return {
        "category": "x",
        "amount": c["amount"],
        "compliant": c["compliant_amount"] == c["amount"],
        "compliant_amount": c["compliant_amount"],
        "classification": c,
        "legacy": False,
        "reversed": reversed_,
    }


def legacy(amount: str, compliant: bool) -> dict[str, Any]:
    return {"category": "drug", "amount": Decimal(amount), "compliant": compliant, "legacy": True, "reversed": False}


def posted_compliant(lines: dict[str, dict[str, Any]]) -> Decimal:
    """`Admission.compliant`."""
    return money_sum(line_compliant_amount(line) for line in lines.values() if not line["reversed"])


def test_the_same_catalogue_gives_the_lines_as_posted_and_another_moves_the_parts() -> None:
    lines = {
        "1": classified(BED, "7", "35.00"),  # 超限价 35.00 under the 30.00 limit
        "2": classified("G-TREATMENT", "1", "3000"),
        "3": legacy("500", True),
        "4": classified("G-DRUGS", "1", "80", reversed_=True),
    }
    same = reclassify_lines(lines, LANGXI)
    assert sorted(same) == ["1", "2"]  # legacy and reversed lines are not re-classified
    assert all(same[n] == lines[n]["classification"] for n in same)
    assert compliant_with(lines, same) == posted_compliant(lines) == Decimal("3710.00")

    bed = replace(LANGXI.items[BED], unit_price_limit=Decimal("40.00"))
    raised = replace(LANGXI, version="corrected", items={**LANGXI.items, BED: bed})
    moved = reclassify_lines(lines, raised)
    assert (moved["1"]["catalogue_version"], moved["1"]["compliant_amount"], moved["1"]["over_limit"]) == (
        "corrected",
        Decimal("245.00"),
        Decimal("0.00"),
    )
    assert compliant_with(lines, moved) == Decimal("3745.00")
    self_pay = replace(
        LANGXI, version="self-pay", items={**LANGXI.items, BED: replace(bed, item_class=ItemClass.SELF_PAY)}
    )
    assert compliant_with(lines, reclassify_lines(lines, self_pay)) == Decimal("3500.00")


def test_with_no_version_in_force_the_posted_verdicts_stand() -> None:
    lines = {"1": classified(BED, "7", "35.00"), "2": legacy("10", False)}
    assert reclassify_lines(lines, None) == {"1": lines["1"]["classification"]}
    assert compliant_with(lines, reclassify_lines(lines, None)) == posted_compliant(lines)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(LANGXI.items) + ["UNKNOWN"]),
            st.integers(1, 30),
            st.decimals("0.01", "9000", places=2),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_re_classifying_by_the_posting_catalogue_never_changes_the_compliant_cost(rows: list[Any]) -> None:
    lines = {str(n): classified(code, str(q), str(p), reversed_=r) for n, (code, q, p, r) in enumerate(rows)}
    assert compliant_with(lines, reclassify_lines(lines, LANGXI)) == posted_compliant(lines)

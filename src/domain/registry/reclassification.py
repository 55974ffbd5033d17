"""Charge lines re-classified by a recalculation after a catalogue (三目录) correction: pure, the catalogue is data.

A posted line keeps the classification made when it was posted (the admission's event is never changed); a
recalculation re-classifies each line the ledger classified (item code, quantity, unit price) by the catalogue
version it is given, and the claim counts the compliant parts of those classifications. A legacy line (the
admin-only import of pre-classified lines) is never re-classified: it keeps the sender's classification.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from domain.aggregates.admission import line_compliant_amount
from domain.money import money_sum
from domain.registry.catalogue import Catalogue, classify_line


def reclassify_lines(lines: Mapping[str, Mapping[str, Any]], catalogue: Catalogue | None) -> dict[str, dict[str, Any]]:
    """line_no -> the classification (`LineClassification.to_dict`) of each active catalogue-classified line by
    `catalogue`; None (no version in force for the line's day): the classification as posted."""
    out: dict[str, dict[str, Any]] = {}
    for line_no, line in lines.items():
        posted = line.get("classification")
        if line["reversed"] or line.get("legacy", True) or posted is None:
            continue
        if catalogue is None:
            out[line_no] = dict(posted)
            continue
        quantity, unit_price = Decimal(posted["quantity"]), Decimal(posted["unit_price"])
        out[line_no] = classify_line(catalogue, str(posted["item_code"]), quantity, unit_price).to_dict()
    return out


def compliant_with(lines: Mapping[str, dict[str, Any]], reclassified: Mapping[str, Mapping[str, Any]]) -> Decimal:
    """The admission's compliant cost counting the re-classified lines' compliant parts (a legacy line: all or
    nothing, as its sender said), summed in line order as `Admission.compliant` sums."""
    return money_sum(
        Decimal(reclassified[line_no]["compliant_amount"]) if line_no in reclassified else line_compliant_amount(line)
        for line_no, line in lines.items()
        if not line["reversed"]
    )

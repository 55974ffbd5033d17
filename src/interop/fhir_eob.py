"""A settlement record as a FHIR R4 ExplanationOfBenefit resource (a plain dict).

Pure: no I/O. Amounts stay `Decimal` in fen (FHIR Money `{value, currency: "CNY"}`);
`interop.fhir_json.dumps` writes them as exact JSON numbers. Layout:

* `item`: one per active charge line (when the lines are given) or one for the whole claim, each
  with `submitted` and `eligible` (compliant) adjudications;
* `adjudication` (header level): one per payer layer of the cascade, in cascade order, with the
  layer's amount, its ratio as `value` and its arithmetic as `reason.text`;
* `total`: submitted, eligible, benefit (all payers), patient share, hospital-borne;
  submitted = benefit + patient share + hospital-borne, to the fen;
* `payment`: what the payers paid, and any retroactive compensation still owed as an adjustment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from uuid import uuid5

from domain.ids import NAMESPACE
from domain.money import ZERO, is_fen, money_sum
from domain.rules.layer_result import LayerResult
from domain.rules.settlement import Settlement
from interop import fhir_codes as codes

Json = dict[str, Any]


def explanation_of_benefit(
    record: Mapping[str, Any],
    *,
    patient_ref: str,
    county_code: str,
    year: int,
    charge_lines: Sequence[Mapping[str, Any]] | None = None,
    as_settled: bool = False,
) -> Json:
    """The EOB of one settlement record (an entry of `BenefitYearHistory.settlements`).

    `as_settled` exports the settlement as first made; by default the current one (after any
    retroactive recalculation). `charge_lines` (active lines: line_no, category, amount, compliant)
    gives one item per line; without them there is one item for the claim.
    """
    settlement = Settlement.from_dict(dict(record["settlement" if as_settled else "current"]))
    settlement.check_invariant()
    claim, hospital = record["claim"], record["hospital"]
    items = _line_items(charge_lines, settlement) if charge_lines is not None else [_claim_item(claim, settlement)]
    resource: Json = {
        "resourceType": "ExplanationOfBenefit",
        "id": str(uuid5(NAMESPACE, f"eob/{record['settlement_id']}")),
        "identifier": [{"system": codes.SETTLEMENT_ID, "value": record["settlement_id"]}],
        "status": "active",
        "type": codes.concept(codes.CLAIM_TYPE, codes.CLAIM_TYPE_OF_VISIT[claim["kind"]]),
        "use": "claim",
        "patient": {"identifier": {"system": codes.PATIENT_REF, "value": patient_ref}},
        "billablePeriod": {"end": settlement.service_date.isoformat()},
        "created": record["settled_at"],
        "insurer": {
            "identifier": {"system": codes.FUND, "value": f"ncms/{county_code}"},
            "display": f"新农合 / 城乡居民基本医保 {county_code}",
        },
        "provider": {
            "identifier": {"system": codes.HOSPITAL_CODE, "value": hospital["code"]},
            "display": hospital["name"],
        },
        "outcome": "complete",
        "disposition": f"settled under policy {county_code}/{settlement.policy_version}",
        "insurance": [
            {
                "focal": True,
                "coverage": {
                    "identifier": {"system": codes.COVERAGE, "value": f"{county_code}/{patient_ref}/{year}"},
                    "display": f"benefit year {year}",
                },
            }
        ],
        "item": items,
        "adjudication": [_layer_adjudication(layer) for layer in settlement.layers],
        "total": _totals(settlement),
        "payment": _payment(record, settlement, as_settled),
    }
    return resource


def money(value: Decimal) -> Json:
    """FHIR Money in yuan; the amount must already be in fen (no rounding here)."""
    assert is_fen(value), f"not an amount in fen: {value!r}"
    return {"value": value, "currency": codes.CURRENCY}


def _adjudication(code: str, amount: Decimal, display: str) -> Json:
    return {"category": codes.concept(codes.ADJUDICATION, code, display), "amount": money(amount)}


def _claim_item(claim: Mapping[str, Any], settlement: Settlement) -> Json:
    return {
        "sequence": 1,
        "productOrService": codes.concept(codes.VISIT_KIND, claim["kind"], text=claim["kind"]),
        "servicedDate": settlement.service_date.isoformat(),
        "net": money(settlement.total),
        "adjudication": [
            _adjudication("submitted", settlement.total, "Submitted Amount"),
            _adjudication("eligible", settlement.compliant, "Eligible Amount"),
        ],
    }


def _line_items(lines: Sequence[Mapping[str, Any]], settlement: Settlement) -> list[Json]:
    amounts = [Decimal(line["amount"]) for line in lines]
    if money_sum(amounts) != settlement.total:
        raise ValueError(
            f"{settlement.claim_id}: charge lines sum to {money_sum(amounts)}, "
            f"the settlement's total is {settlement.total}"
        )
    items = []
    for sequence, (line, amount) in enumerate(zip(lines, amounts), start=1):
        items.append(
            {
                "extension": [{"url": codes.CHARGE_LINE_EXTENSION, "valueString": str(line["line_no"])}],
                "sequence": sequence,
                "productOrService": codes.concept(codes.CHARGE_CATEGORY, line["category"], text=line["category"]),
                "servicedDate": settlement.service_date.isoformat(),
                "net": money(amount),
                "adjudication": [
                    _adjudication("submitted", amount, "Submitted Amount"),
                    _adjudication("eligible", amount if line["compliant"] else ZERO, "Eligible Amount"),
                ],
            }
        )
    return items


def _layer_adjudication(layer: LayerResult) -> Json:
    entry: Json = {"category": codes.payer_concept(layer.payer), "amount": money(layer.amount)}
    if layer.ratio is not None:
        entry["value"] = layer.ratio
    entry["reason"] = {"text": layer.explanation}
    return entry


def _totals(settlement: Settlement) -> list[Json]:
    return [
        _adjudication("submitted", settlement.total, "Submitted Amount"),
        _adjudication("eligible", settlement.compliant, "Eligible Amount"),
        _adjudication("benefit", settlement.payer_total, "Benefit Amount"),
        {
            "category": codes.concept(codes.SHARE, "patient-share", "个人自付 patient share"),
            "amount": money(settlement.patient_share),
        },
        {
            "category": codes.concept(codes.SHARE, "hospital-borne", "医院承担 hospital-borne"),
            "amount": money(settlement.hospital_borne),
        },
    ]


def _payment(record: Mapping[str, Any], settlement: Settlement, as_settled: bool) -> Json:
    payment: Json = {
        "type": codes.concept(codes.PAYMENT_TYPE, "complete", "Complete"),
        "date": str(record["settled_at"])[:10],
        "amount": money(settlement.payer_total),
    }
    owed = Decimal(record.get("compensation_owed", ZERO)) - Decimal(record.get("compensation_paid", ZERO))
    if owed > ZERO and not as_settled:
        payment["adjustment"] = money(owed)
        payment["adjustmentReason"] = {"text": "retroactive compensation owed to the patient (policy recalculation)"}
    return payment

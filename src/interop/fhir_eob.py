"""A settlement record as a FHIR R4 ExplanationOfBenefit resource (a plain dict).

Pure: no I/O. Amounts stay `Decimal` in fen (FHIR Money `{value, currency: "CNY"}`);
`interop.fhir_json.dumps` writes them as exact JSON numbers. Layout:

* `id` `<admission uuid>-<n>` (the n-th settlement of the admission), `meta.versionId` the version of the
  settlement: "1" as settled, one more for each retroactive recalculation that changed it;
* `patient` references `Patient/<patient uuid>` (with the patient ref as identifier); the hospital
  (`provider`), one Organization per payer fund and one Coverage per payer layer are `contained`;
* `insurer` is the basic-insurance fund that runs the one-stop settlement; `insurance` has one entry per
  payer layer (its Coverage), the first one focal;
* `billablePeriod` from admission to discharge; `diagnosis` the admission's diagnosis and the major
  diseases confirmed for the claim;
* `item`: one per active charge line (when the lines are given) or one for the whole claim, each
  with `submitted` and `eligible` (compliant) adjudications;
* `adjudication` (header level): one per payer layer, in cascade order, coded in our payer-layer
  CodeSystem (`urn:benefit-ledger:payer-layer`), with the layer's amount, its ratio as `value`
  and its arithmetic as `reason.text`;
* `total`: submitted, eligible, benefit (all payers), patient share, hospital-borne;
  submitted = benefit + patient share + hospital-borne, to the fen;
* `payment`: what the payers paid, and the retroactive compensation this version owes the patient
  as an adjustment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.aggregates.admission import line_compliant_amount
from domain.money import ZERO, is_fen, money_sum
from domain.rules.layer_result import LayerResult
from domain.rules.settlement import Settlement
from domain.vocabulary import PAYER_LABELS_ZH, Payer
from interop import fhir_codes as codes

Json = dict[str, Any]


@dataclass(frozen=True)
class EobFacts:
    """What an ExplanationOfBenefit says besides the settlement record itself."""

    eob_id: str
    version: int  # meta.versionId
    last_updated: str  # when the ledger recorded this version (ISO, with offset)
    patient_id: UUID
    patient_ref: str
    county_code: str
    year: int
    admitted_on: str
    discharged_on: str
    diagnosis: str


def eob_id(admission_id: UUID, sequence: int) -> str:
    """`<admission uuid>-<n>`: a valid FHIR id (at most 64 of [A-Za-z0-9-.]) the ledger can resolve."""
    return f"{admission_id}-{sequence}"


def parse_eob_id(value: str) -> tuple[UUID, int] | None:
    head, sep, tail = value.rpartition("-")
    if not sep or not tail.isdigit() or int(tail) < 1 or len(head) != 36:
        return None
    try:
        return UUID(head), int(tail)
    except ValueError:
        return None


def explanation_of_benefit(
    record: Mapping[str, Any],
    facts: EobFacts,
    *,
    as_settled: bool,
    charge_lines: Sequence[Mapping[str, Any]] | None = None,
) -> Json:
    """The EOB of one settlement record (an entry of `BenefitYearHistory.settlements`, as it stood at
    `facts.version`): the settlement as first made when `as_settled`, else as last recalculated."""
    settlement = Settlement.from_dict(dict(record["settlement" if as_settled else "current"]))
    settlement.check_invariant()
    claim, hospital = record["claim"], record["hospital"]
    payers = [layer.payer for layer in settlement.layers]
    items = _line_items(charge_lines, settlement) if charge_lines is not None else [_claim_item(claim, settlement)]
    patient = {
        "reference": f"Patient/{facts.patient_id}",
        "identifier": {"system": codes.PATIENT_REF, "value": facts.patient_ref},
    }
    owed = ZERO if as_settled else Decimal(record.get("compensation_owed", ZERO))
    resource: Json = {
        "resourceType": "ExplanationOfBenefit",
        "id": facts.eob_id,
        "meta": {"versionId": str(facts.version), "lastUpdated": facts.last_updated},
        "contained": [
            _hospital(hospital),
            *(_fund(payer, facts.county_code) for payer in payers),
            *(_coverage(payer, facts, patient) for payer in payers),
        ],
        "identifier": [{"system": codes.SETTLEMENT_ID, "value": record["settlement_id"]}],
        "status": "active",
        "type": codes.concept(codes.CLAIM_TYPE, codes.CLAIM_TYPE_OF_VISIT[claim["kind"]]),
        "use": "claim",
        "patient": patient,
        "billablePeriod": {"start": facts.admitted_on, "end": facts.discharged_on},
        "created": record["settled_at"],
        "insurer": {"reference": f"#fund-{payers[0].value}", "display": PAYER_LABELS_ZH[payers[0]]},
        "provider": {"reference": "#hospital", "display": hospital["name"]},
        "outcome": "complete",
        "disposition": f"settled under policy {facts.county_code}/{settlement.policy_version}",
        "diagnosis": _diagnoses(facts.diagnosis, claim.get("major_diseases", ())),
        "insurance": [
            {"focal": index == 0, "coverage": {"reference": f"#coverage-{payer.value}"}}
            for index, payer in enumerate(payers)
        ],
        "item": items,
        "adjudication": [_layer_adjudication(layer) for layer in settlement.layers],
        "total": _totals(settlement),
        "payment": _payment(record, settlement, owed),
    }
    if not resource["diagnosis"]:
        del resource["diagnosis"]
    return resource


def money(value: Decimal) -> Json:
    """FHIR Money in yuan; the amount must already be in fen (no rounding here)."""
    assert is_fen(value), f"not an amount in fen: {value!r}"
    return {"value": value, "currency": codes.CURRENCY}


def _hospital(hospital: Mapping[str, Any]) -> Json:
    return {
        "resourceType": "Organization",
        "id": "hospital",
        "identifier": [{"system": codes.HOSPITAL_CODE, "value": hospital["code"]}],
        "type": [
            codes.concept("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider")
        ],
        "name": hospital["name"],
    }


def _fund(payer: Payer, county_code: str) -> Json:
    return {
        "resourceType": "Organization",
        "id": f"fund-{payer.value}",
        "identifier": [{"system": codes.FUND, "value": f"{payer.value}/{county_code}"}],
        "type": [codes.concept("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer")],
        "name": f"{PAYER_LABELS_ZH[payer]} {county_code}",
        "alias": [codes.PAYER_NAMES_EN[payer]],
    }


def _coverage(payer: Payer, facts: EobFacts, patient: Json) -> Json:
    return {
        "resourceType": "Coverage",
        "id": f"coverage-{payer.value}",
        "identifier": [
            {"system": codes.COVERAGE, "value": f"{facts.county_code}/{facts.patient_ref}/{facts.year}/{payer.value}"}
        ],
        "status": "active",
        "type": codes.payer_concept(payer),
        "beneficiary": patient,
        "period": {"start": f"{facts.year}-01-01", "end": f"{facts.year}-12-31"},
        "payor": [{"reference": f"#fund-{payer.value}"}],
        "class": [
            {
                "type": codes.concept(codes.COVERAGE_CLASS, "plan", "Plan"),
                "value": f"{facts.county_code}/{facts.year}",
                "name": f"benefit year {facts.year}",
            }
        ],
    }


def _diagnoses(diagnosis: str, major_diseases: Sequence[str]) -> list[Json]:
    entries: list[Json] = []
    if diagnosis:
        entries.append(
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"text": diagnosis},
                "type": [codes.concept(codes.DIAGNOSIS_TYPE, "principal", "Principal Diagnosis")],
            }
        )
    for disease in major_diseases:
        entries.append(
            {
                "sequence": len(entries) + 1,
                "diagnosisCodeableConcept": codes.concept(codes.MAJOR_DISEASE, disease, text=disease),
                "type": [codes.concept(codes.DIAGNOSIS_TYPE, "clinical", "Clinical Diagnosis")],
            }
        )
    return entries


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
                    _adjudication("eligible", line_compliant_amount(dict(line)), "Eligible Amount"),
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


def _payment(record: Mapping[str, Any], settlement: Settlement, owed: Decimal) -> Json:
    payment: Json = {
        "type": codes.concept(codes.PAYMENT_TYPE, "complete", "Complete"),
        "date": str(record["settled_at"])[:10],
        "amount": money(settlement.payer_total),
    }
    if owed > ZERO:
        payment["adjustment"] = money(owed)
        payment["adjustmentReason"] = {"text": "retroactive compensation owed to the patient (policy recalculation)"}
    return payment

"""Code systems and identifier systems used in the ledger's FHIR resources.

HL7 code systems where one fits (claim type, adjudication category, payment type); the ledger's
own `urn:benefit-ledger:*` systems for its payer layers, charge categories and natural keys.
"""

from __future__ import annotations

from domain.vocabulary import PAYER_LABELS_ZH, Payer, VisitKind

CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"

PAYER_LAYER = "urn:benefit-ledger:payer-layer"
SHARE = "urn:benefit-ledger:share"  # totals the HL7 adjudication system has no code for
CHARGE_CATEGORY = "urn:benefit-ledger:charge-category"
VISIT_KIND = "urn:benefit-ledger:visit-kind"
SETTLEMENT_ID = "urn:benefit-ledger:settlement-id"
PATIENT_REF = "urn:benefit-ledger:patient-ref"
HOSPITAL_CODE = "urn:benefit-ledger:hospital-code"
FUND = "urn:benefit-ledger:fund"
COVERAGE = "urn:benefit-ledger:benefit-year"
CHARGE_LINE_EXTENSION = "urn:benefit-ledger:fhir:StructureDefinition/charge-line-number"
MAJOR_DISEASE = "urn:benefit-ledger:major-disease"
DIAGNOSIS_TYPE = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"

CURRENCY = "CNY"

# Inpatient stays are institutional claims; chronic-disease outpatient visits are professional ones.
CLAIM_TYPE_OF_VISIT = {VisitKind.INPATIENT.value: "institutional", VisitKind.OUTPATIENT_CHRONIC.value: "professional"}

PAYER_NAMES_EN = {
    Payer.NCMS: "basic medical insurance (NCMS)",
    Payer.CII: "critical-illness insurance",
    Payer.MA: "medical assistance",
    Payer.B351: "government backstop 351",
    Payer.S180: "chronic-disease supplement 180",
    Payer.S5090: "Langxi 5090 supplement",
    Payer.REASSIST: "critical-illness re-assistance",
    Payer.HPSI: "health-poverty supplementary insurance",
    Payer.CHARITY: "charity medical assistance",
}


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, object]:
    out: dict[str, object] = {"coding": [coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


def payer_concept(payer: Payer) -> dict[str, object]:
    return concept(PAYER_LAYER, payer.value, PAYER_LABELS_ZH[payer], PAYER_NAMES_EN[payer])


def payer_code_system() -> dict[str, object]:
    """The CodeSystem resource of the payer layers (served at /fhir/CodeSystem/payer-layer): stable codes."""
    return {
        "resourceType": "CodeSystem",
        "id": "payer-layer",
        "url": PAYER_LAYER,
        "version": "1",
        "name": "PayerLayer",
        "title": "Payer layers of the health-poverty medical-benefit cascade (健康扶贫综合医疗保障)",
        "status": "active",
        "experimental": False,
        "publisher": "benefit-ledger",
        "description": "One code per payer layer of a settlement: the code of an ExplanationOfBenefit's "
        "insurance, adjudication and contained Coverage. Codes never change meaning; new payers get new codes.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(Payer),
        "concept": [
            {"code": payer.value, "display": PAYER_LABELS_ZH[payer], "definition": PAYER_NAMES_EN[payer]}
            for payer in Payer
        ],
    }

"""FHIR R4 API (`/fhir`): ExplanationOfBenefit read, version read, history and search; Patient; our CodeSystem.

Bodies are `application/fhir+json` with exact decimals (interop.fhir_json). Access is that of the
admission reads: a hospital reads only the EOBs of its own admissions (a search returns only those),
auditors and admins everything, other roles nothing; a Patient resource needs personal-data read.
A refusal inside a FHIR interaction (unknown id, bad search parameter) is an OperationOutcome with the
status; authentication and role refusals are problem+json like every route. See docs/fhir.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from api.access import Principal, Read, Role, own_hospital_only, require_read
from api.deps import LedgerDep
from documents.settlement_record import SettlementRecord
from domain.errors import LedgerError, NotFoundError, ValidationError
from interop import fhir_codes as codes
from interop.eob_export import eob_of, find_eob, patient_id_of, patient_settlements
from interop.fhir_json import dumps
from interop.fhir_search import period_test

FHIR_JSON = "application/fhir+json"
router = APIRouter(prefix="/fhir", tags=["FHIR R4"])
AdmissionReader = Annotated[Principal, require_read(Read.ADMISSION)]
PersonalReader = Annotated[Principal, require_read(Read.PERSONAL)]
PolicyReader = Annotated[Principal, require_read(Read.POLICY)]
FHIR_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {FHIR_JSON: {}}, "description": "a FHIR R4 resource (JSON)"}
}
SEARCH_PARAMETERS = frozenset({"patient", "patient.identifier", "billable-period", "_format"})
ISSUE_CODES = {400: "invalid", 404: "not-found", 409: "conflict", 422: "invalid"}


class FhirResponse(Response):
    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        return dumps(content, indent=False).encode("utf-8")


def _outcome(status: int, detail: str) -> FhirResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": ISSUE_CODES.get(status, "processing"), "diagnostics": detail}],
    }
    return FhirResponse(body, status_code=status)


def _answer(build: Callable[[], dict[str, Any]], status: int = 200) -> FhirResponse:
    """The resource `build` returns, or an OperationOutcome for a refusal (400 for bad input, 404, 409)."""
    try:
        return FhirResponse(build(), status_code=status)
    except LedgerError as exc:
        return _outcome(400 if isinstance(exc, ValidationError) else exc.status, str(exc))


def _readable(principal: Principal, found: SettlementRecord) -> None:
    own_hospital_only(principal, str(found.admission.hospital.get("code")))


@router.get("/metadata", response_class=FhirResponse, responses=FHIR_RESPONSE)
def capability_statement(request: Request) -> FhirResponse:
    """The server's CapabilityStatement: what it serves (no token needed)."""
    return FhirResponse(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-12-01",
            "kind": "instance",
            "software": {"name": "benefit-ledger"},
            "implementation": {"description": "patient-benefit ledger", "url": str(request.base_url) + "fhir"},
            "fhirVersion": "4.0.1",
            "format": [FHIR_JSON],
            "rest": [
                {
                    "mode": "server",
                    "security": {"description": "Authorization: Bearer <token> (or X-API-Key), see docs/fhir.md"},
                    "resource": [
                        {
                            "type": "ExplanationOfBenefit",
                            "versioning": "versioned",
                            "readHistory": True,
                            "interaction": [
                                {"code": "read"},
                                {"code": "vread"},
                                {"code": "history-instance"},
                                {"code": "search-type"},
                            ],
                            "searchParam": [
                                {"name": "patient", "type": "reference"},
                                {"name": "billable-period", "type": "date"},
                            ],
                        },
                        {"type": "Patient", "interaction": [{"code": "read"}]},
                        {"type": "CodeSystem", "interaction": [{"code": "read"}]},
                    ],
                }
            ],
        }
    )


@router.get("/ExplanationOfBenefit/{resource_id}", response_class=FhirResponse, responses=FHIR_RESPONSE)
def read_eob(resource_id: str, ledger: LedgerDep, principal: AdmissionReader) -> FhirResponse:
    """A settlement's ExplanationOfBenefit at its latest version (`meta.versionId`)."""

    def build() -> dict[str, Any]:
        found = find_eob(ledger, resource_id)
        _readable(principal, found)
        return eob_of(ledger, found)

    return _answer(build)


@router.get(
    "/ExplanationOfBenefit/{resource_id}/_history/{version_id}", response_class=FhirResponse, responses=FHIR_RESPONSE
)
def read_eob_version(resource_id: str, version_id: str, ledger: LedgerDep, principal: AdmissionReader) -> FhirResponse:
    """One version of an ExplanationOfBenefit: 1 = as settled, each later one a recalculation that changed it."""

    def build() -> dict[str, Any]:
        found = find_eob(ledger, resource_id)
        _readable(principal, found)
        if not version_id.isdigit():
            raise NotFoundError(f"no version {version_id} of ExplanationOfBenefit {resource_id}")
        return eob_of(ledger, found, version=int(version_id))

    return _answer(build)


@router.get("/ExplanationOfBenefit/{resource_id}/_history", response_class=FhirResponse, responses=FHIR_RESPONSE)
def read_eob_history(resource_id: str, request: Request, ledger: LedgerDep, principal: AdmissionReader) -> FhirResponse:
    """Every version of an ExplanationOfBenefit, newest first (a history Bundle)."""

    def build() -> dict[str, Any]:
        found = find_eob(ledger, resource_id)
        _readable(principal, found)
        entries = []
        for version in reversed(found.versions):
            resource = eob_of(ledger, found, version=version.number)
            entries.append(
                {
                    "fullUrl": _full_url(request, resource["id"]),
                    "resource": resource,
                    "request": {
                        "method": "POST" if version.number == 1 else "PUT",
                        "url": "ExplanationOfBenefit" if version.number == 1 else f"ExplanationOfBenefit/{resource_id}",
                    },
                    "response": {
                        "status": "201 Created" if version.number == 1 else "200 OK",
                        "lastModified": version.recorded_at,
                    },
                }
            )
        return {"resourceType": "Bundle", "type": "history", "total": len(entries), "entry": entries}

    return _answer(build)


@router.get("/ExplanationOfBenefit", response_class=FhirResponse, responses=FHIR_RESPONSE)
def search_eobs(request: Request, ledger: LedgerDep, principal: AdmissionReader) -> FhirResponse:
    """Search by `patient` (Patient/<id>) or `patient.identifier` (the patient ref) and `billable-period`
    (repeatable: ge/gt/le/lt/eq + YYYY[-MM[-DD]]): a searchset Bundle of the latest versions."""

    def build() -> dict[str, Any]:
        params = request.query_params.multi_items()
        unknown = sorted({name for name, _ in params} - SEARCH_PARAMETERS)
        if unknown:
            raise ValidationError(
                f"unknown search parameter {unknown[0]!r} (this server searches ExplanationOfBenefit by "
                "patient, patient.identifier and billable-period)"
            )
        patient_ref = _patient_ref(ledger, params)
        tests = [period_test(value) for name, value in params if name == "billable-period"]
        matches = []
        for found in patient_settlements(ledger, patient_ref) if patient_ref is not None else []:
            if principal.role is Role.HOSPITAL and found.admission.hospital.get("code") != principal.hospital:
                continue
            start = date.fromisoformat(found.admission.admitted_on)
            end = date.fromisoformat(found.admission.discharged_on or found.record["claim"]["service_date"])
            if all(test.matches(start, end) for test in tests):
                matches.append(eob_of(ledger, found))
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(matches),
            "link": [{"relation": "self", "url": str(request.url)}],
            "entry": [
                {"fullUrl": _full_url(request, eob["id"]), "resource": eob, "search": {"mode": "match"}}
                for eob in matches
            ],
        }

    return _answer(build)


@router.get("/Patient/{resource_id}", response_class=FhirResponse, responses=FHIR_RESPONSE)
def read_patient(resource_id: str, ledger: LedgerDep, principal: PersonalReader) -> FhirResponse:
    """The Patient an EOB references: the patient ref, county and township, and the name when on record."""

    def build() -> dict[str, Any]:
        patient = ledger.get_patient(patient_id_of(ledger, resource_id))
        resource: dict[str, Any] = {
            "resourceType": "Patient",
            "id": resource_id,
            "identifier": [{"system": codes.PATIENT_REF, "value": patient.patient_ref}],
            "address": [{"use": "home", "district": patient.county_code, "text": patient.township or None}],
        }
        if not patient.township:
            del resource["address"][0]["text"]
        name = (ledger.personal_identifiers(patient) or {}).get("name")
        if name:
            resource["name"] = [{"text": name}]
        return resource

    return _answer(build)


@router.get("/CodeSystem/payer-layer", response_class=FhirResponse, responses=FHIR_RESPONSE)
def read_payer_code_system(principal: PolicyReader) -> FhirResponse:
    """The payer-layer CodeSystem: the stable code of each payer in insurance, adjudication and Coverage."""
    return FhirResponse(codes.payer_code_system())


def _patient_ref(ledger: Any, params: list[tuple[str, str]]) -> str | None:
    """The patient searched for; None for a patient the ledger does not know (an empty searchset)."""
    by_id = [value for name, value in params if name == "patient"]
    by_identifier = [value for name, value in params if name == "patient.identifier"]
    if len(by_id) + len(by_identifier) != 1:
        raise ValidationError("give one patient=Patient/<id> (or patient.identifier=<patient ref>) to search by")
    system, sep, value = by_identifier[0].rpartition("|") if by_identifier else ("", "", "")
    if sep and system != codes.PATIENT_REF:
        raise ValidationError(f"patient.identifier: the system of patient refs is {codes.PATIENT_REF}")
    try:
        if by_id:
            return patient_id_of(ledger, by_id[0].removeprefix("Patient/"))
        ledger.get_patient(value)
        return value
    except NotFoundError:
        return None


def _full_url(request: Request, resource_id: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/fhir/ExplanationOfBenefit/{resource_id}"

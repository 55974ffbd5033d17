"""The HTTP steps the API tests repeat, over a TestClient and the ledger behind it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from tests.registry_entries import COUNTY_HOSPITAL as COUNTY_HOSPITAL
from tests.registry_entries import PROVINCE_HOSPITAL as PROVINCE_HOSPITAL
from tests.registry_entries import REGION as REGION

from service.ledger import BenefitLedger
from service.legacy_shapes import item_code_for, register_hospital_command

SETTLED_AT = "2018-07-01T10:00:00+08:00"
PROBLEM = "application/problem+json"


class LedgerApi:
    """A TestClient plus the ledger behind it, with the steps tests repeat."""

    def __init__(self, client: TestClient, ledger: BenefitLedger) -> None:
        self.client = client
        self.ledger = ledger

    def post(self, path: str, body: dict[str, Any], status: int = 201, **kwargs: Any) -> Response:
        response: Response = self.client.post(path, json=body, **kwargs)
        assert response.status_code == status, response.text
        return response

    def get(self, path: str, status: int = 200, **kwargs: Any) -> dict[str, Any]:
        response = self.client.get(path, **kwargs)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    def log_position(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0

    @contextmanager
    def unchanged(self) -> Iterator[None]:
        """Assert the block appends no event at all."""
        before = self.log_position()
        yield
        assert self.log_position() == before

    def refused(self, path: str, body: dict[str, Any], status: int, **kwargs: Any) -> dict[str, Any]:
        """POST that must be refused with a problem+json body, and change nothing."""
        with self.unchanged():
            response = self.post(path, body, status, **kwargs)
        assert response.headers["content-type"].startswith(PROBLEM), response.headers
        problem: dict[str, Any] = response.json()
        assert problem["status"] == status and problem["title"] and problem["detail"] and problem["type"]
        return problem

    def poor_patient(self, ref: str, *, status: str = "jiandanglika", year: int = 2018) -> None:
        self.post(
            "/patients",
            {"command_id": f"{ref}:register", "patient_ref": ref, "county_code": REGION, "township": "毕桥镇"},
        )
        self.post(
            f"/patients/{ref}/poverty-statuses",
            {"command_id": f"{ref}:status", "status": status, "effective_from": "2016-01-01"},
        )
        self.post(f"/patients/{ref}/enrolments", {"command_id": f"{ref}:enrol:{year}", "year": year})

    def register_hospital(self, hospital: dict[str, Any]) -> None:
        """Register the hospital (admin) unless it already is: POST /hospitals, idempotent by command id."""
        body = register_hospital_command(hospital).model_dump(mode="json", exclude={"command"})
        response = self.client.post("/hospitals", json=body)
        assert response.status_code in (200, 201, 409), response.text

    def admit(
        self,
        patient_ref: str,
        ref: str,
        hospital: dict[str, Any],
        *,
        total: str,
        compliant: str,
        day: str,
        referred: bool = False,
        discharge: bool = True,
    ) -> None:
        self.register_hospital(hospital)
        self.post(
            "/admissions",
            {
                "command_id": f"{ref}:register",
                "admission_ref": ref,
                "patient_ref": patient_ref,
                "kind": "inpatient",
                "hospital_code": hospital["code"],
                "admitted_on": day,
                "referred": referred,
            },
        )
        self.post(
            f"/admissions/{ref}/charge-lines",
            {
                "command_id": f"{ref}:line:1",
                "line_no": "1",
                "category": "treatment",
                "item_code": item_code_for("treatment", True),
                "quantity": 1,
                "unit_price": compliant,
            },
        )
        noncompliant = int(total) - int(compliant)
        if noncompliant:
            self.post(
                f"/admissions/{ref}/charge-lines",
                {
                    "command_id": f"{ref}:line:2",
                    "line_no": "2",
                    "category": "drug",
                    "item_code": item_code_for("drug", False),
                    "quantity": 1,
                    "unit_price": noncompliant,
                },
            )
        if discharge:
            self.post(f"/admissions/{ref}/discharge", {"command_id": f"{ref}:discharge", "discharged_on": day})

    def settle(self, ref: str, status: int = 201, **extra: Any) -> Response:
        return self.post(
            f"/admissions/{ref}/settlement", {"command_id": f"{ref}:settle", "settled_at": SETTLED_AT, **extra}, status
        )

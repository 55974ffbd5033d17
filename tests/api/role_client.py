"""A TestClient wrapper that sends each request with the token of the role the route is meant for.

The API refuses every request without a token and every request outside the caller's role (see
api/access.py); the functional API tests are about behaviour, so this client picks, per request, the
role a real deployment would use: the registry (admin) for patient records, the admission's own
hospital for its admission commands, the named fund's payment service for reimbursements, an auditor
for findings and every read. A test that is about access control passes its own Authorization header.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from api.access import AccessPolicy, Principal, Role
from domain.vocabulary import Payer

HOSPITAL_CODES = ("LX-001", "AH-001", "LX-BQ", "LX-T01", "LX-NEW", "LX-999")
TOKENS: dict[str, Principal] = {
    "tok-admin": Principal(name="registry", role=Role.ADMIN),
    "tok-auditor": Principal(name="auditor", role=Role.AUDITOR),
    "tok-dashboard": Principal(name="dashboard", role=Role.DASHBOARD),
    **{
        f"tok-hospital-{code}": Principal(name=f"hospital-{code}", role=Role.HOSPITAL, hospital=code)
        for code in HOSPITAL_CODES
    },
    **{
        f"tok-pay-{fund.value}": Principal(name=f"pay-{fund.value}", role=Role.PAYMENT_SERVICE, fund=fund.value)
        for fund in Payer
    },
}
ACCESS = AccessPolicy.from_tokens(TOKENS)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class RoleClient:
    """`post`/`get`/`delete`/`request` like a TestClient, with the route's role token added."""

    def __init__(self, client: TestClient) -> None:
        self.inner = client
        self.hospital_of_admission: dict[str, str] = {}
        self.admission_of_finding: dict[str, str] = {}

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        headers = dict(kwargs.pop("headers", None) or {})
        body = kwargs.get("json") if isinstance(kwargs.get("json"), dict) else {}
        if "Authorization" not in headers:
            headers.update(bearer(self.token_for(method, url, body)))
        response = self.inner.request(method, url, headers=headers, **kwargs)
        self._remember(method, url, body, response)
        return response

    def token_for(self, method: str, url: str, body: dict[str, Any]) -> str:
        path = url.split("?", 1)[0]
        if method != "POST":
            return "tok-auditor"
        if path == "/admissions":
            code = body.get("hospital_code")
            return f"tok-hospital-{code}" if code in HOSPITAL_CODES else "tok-hospital-LX-001"
        if match := re.fullmatch(r"/admissions/([^/]+)/.*", path):
            return f"tok-hospital-{self.hospital_of_admission.get(match[1], 'LX-001')}"
        if match := re.fullmatch(r"/audit-findings/([^/]+)/refund-payments", path):
            admission = self.admission_of_finding.get(match[1], "")
            return f"tok-hospital-{self.hospital_of_admission.get(admission, 'LX-001')}"
        if path.startswith("/audit-findings") or re.fullmatch(r"/patients/[^/]+/years/\d+/recalculations", path):
            return "tok-auditor"
        if re.fullmatch(r"/patients/[^/]+/years/[^/]+/compensation-payments", path):
            return "tok-pay-s5090"
        if re.fullmatch(r"/hospitals/[^/]+/reimbursements", path):
            fund = body.get("fund")
            return f"tok-pay-{fund}" if isinstance(fund, str) and fund in {p.value for p in Payer} else "tok-pay-ncms"
        return "tok-admin"  # patient registry, policy versions and their recalculations

    def _remember(self, method: str, url: str, body: dict[str, Any], response: Response) -> None:
        if method != "POST" or response.status_code >= 300:
            return
        if url == "/admissions" and isinstance(body.get("hospital_code"), str):
            self.hospital_of_admission[str(body.get("admission_ref"))] = body["hospital_code"]
        if url == "/audit-findings":
            self.admission_of_finding[str(body.get("finding_ref"))] = str(body.get("admission_ref"))

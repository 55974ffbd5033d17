"""The settlement slip (结算单) of an admission: `GET /admissions/{ref}/settlement/slip` (HTML) and `.pdf`.

Read like the admission itself (Read.ADMISSION: a hospital only its own); the patient's name and
masked ID card number only for roles that may read personal data. 404 for an unknown admission,
409 (problem+json) when it is not settled yet.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Response

from api.access import Principal, Read, own_hospital_only, require_read
from api.deps import LedgerDep, RefPath
from documents.settlement_slip import SettlementSlip, settlement_slip
from documents.slip_render import slip_html, slip_pdf

router = APIRouter(prefix="/admissions", tags=["settlement slips"])
AdmissionReader = Annotated[Principal, require_read(Read.ADMISSION)]
# no script at all, so the slip's one inline stylesheet is the only thing allowed to apply
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",  # it names a patient
}
HTML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "the slip, printable (A4 print CSS)"}
}
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the slip as a PDF (A4)"}
}


def _slip(ledger: LedgerDep, admission_ref: str, principal: Principal) -> SettlementSlip:
    admission = ledger.get_admission(admission_ref)
    own_hospital_only(principal, str(admission.hospital.get("code")))
    return settlement_slip(ledger, admission_ref, personal=principal.may_read(Read.PERSONAL))


@router.get("/{admission_ref}/settlement/slip", response_class=Response, responses=HTML_RESPONSE)
def read_settlement_slip(admission_ref: RefPath, ledger: LedgerDep, principal: AdmissionReader) -> Response:
    """The settlement slip as a printable HTML page (Chinese, A4 print CSS, a link to the PDF)."""
    slip = _slip(ledger, admission_ref, principal)
    page = slip_html(slip, pdf_link=f"/admissions/{quote(admission_ref, safe='')}/settlement/slip.pdf")
    return Response(page, media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/{admission_ref}/settlement/slip.pdf", response_class=Response, responses=PDF_RESPONSE)
def read_settlement_slip_pdf(admission_ref: RefPath, ledger: LedgerDep, principal: AdmissionReader) -> Response:
    """The settlement slip as a PDF (A4), for printing or filing."""
    slip = _slip(ledger, admission_ref, principal)
    filename = f"settlement-slip-{slip.settlement_id}.pdf"
    disposition = f"inline; filename=\"{_ascii(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(
        slip_pdf(slip), media_type="application/pdf", headers={**HEADERS, "Content-Disposition": disposition}
    )


def _ascii(name: str) -> str:
    """A file name any browser keeps as it is: letters, digits, '.', '-' and '_' (the rest become '_')."""
    return "".join(c if c.isascii() and (c.isalnum() or c in ".-_") else "_" for c in name)

"""HIS upload (docs/his-upload.md): `POST /uploads/his?mode=file|admission` with the file as the body
(`Content-Type: text/csv` or the xlsx type). Every row becomes the command a batch would run, checked by the
same model and the same access rules (a hospital uploads only rows at its own window).

* `mode=file` (default): the whole file is one transaction, all or nothing (at most 1,000 rows);
* `mode=admission`: each admission's rows are one transaction; the answer says which admissions were
  applied and which refused, and why.

Rows that do not fit are reported row by row (row number, column, message) and nothing is written: as
problem+json (`rows`), or, with `Accept: text/csv`, as a downloadable CSV error report.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from api.access import PrincipalDep, authorize_command
from api.deps import LedgerDep
from api.errors import problem
from api.responses import plain
from domain.errors import LedgerError, ValidationError
from service.batch import BATCH_SIZE_MAX, BatchCommandError, run_batch
from service.commands import parse_entry
from service.his_upload import XLSX, ParsedUpload, UploadFormatError, errors_csv, parse_upload, read_table

router = APIRouter(prefix="/uploads", tags=["uploads"])
EXAMPLE = (
    "type,admission_ref,patient_ref,admitted_on,hospital_code,line_no,item_code,quantity,unit_price,category,"
    "discharged_on\n"
    "admission,A-1,P-1,2018-03-01,LX-001,,,,,,\n"
    "charge_line,A-1,,,,1,XJ01DD04,2,30.00,drug,\n"
    "discharge,A-1,,,,,,,,,2018-03-05\n"
)
BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}, "example": EXAMPLE},
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    },
}


def _refused(request: Request, rows: list[dict[str, Any]], detail: str) -> Response:
    if "text/csv" in request.headers.get("accept", ""):
        return Response(
            errors_csv(rows),
            status_code=422,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="his-upload-errors.csv"'},
        )
    return problem(422, "Invalid upload", detail, "invalid-upload", rows=rows)


def _row_error(parsed: ParsedUpload, rows: list[int], exc: BatchCommandError) -> dict[str, Any]:
    number = rows[exc.index]
    entry = next(e for n, e, _ in parsed.rows if n == number)
    return {
        "row": number,
        "column": "",
        "message": str(exc.cause),
        "status": exc.status,
        "admission_ref": entry["args"].get("admission_ref", ""),
    }


@router.post("/his", status_code=201, openapi_extra={"requestBody": BODY})
async def upload_his_file(
    request: Request,
    ledger: LedgerDep,
    principal: PrincipalDep,
    mode: Annotated[
        Literal["file", "admission"], Query(description="all or nothing per file (default) or per admission")
    ] = "file",
) -> Any:
    """Upload a HIS export (CSV or xlsx) of admissions, charge lines and discharges: each row the same command
    as in a batch; all or nothing per file or per admission; per-row errors (CSV with Accept: text/csv)."""
    content = await request.body()
    try:
        parsed = parse_upload(read_table(content, request.headers.get("content-type", "")))
    except UploadFormatError as exc:
        raise ValidationError(f"upload: {exc}") from None
    if parsed.errors:
        return _refused(request, parsed.errors, f"{len(parsed.errors)} problem(s) in the file; nothing was written")

    def authorize(command: Any) -> None:
        authorize_command(principal, ledger, command)

    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    if mode == "file":
        if len(parsed.rows) > BATCH_SIZE_MAX:
            raise ValidationError(f"upload: at most {BATCH_SIZE_MAX} rows in mode=file (use mode=admission)")
        groups[""] = [(n, e) for n, e, _ in parsed.rows]
    else:
        for number, entry, _ in parsed.rows:
            groups.setdefault(str(entry["args"].get("admission_ref", "")), []).append((number, entry))
    outcomes: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for admission_ref, items in groups.items():
        numbers = [n for n, _ in items]
        try:
            results = run_batch(ledger, [parse_entry(e) for _, e in items], authorize=authorize)
        except BatchCommandError as exc:
            error = _row_error(parsed, numbers, exc)
            if mode == "file":
                return _refused(request, [error], f"row {error['row']}: {exc.cause}; nothing was written")
            refused.append(error)
            outcomes.append({"admission_ref": admission_ref, "rows": numbers, "status": "refused", "error": error})
            continue
        except LedgerError as exc:
            raise ValidationError(f"upload: {exc}") from None
        replayed = sum(1 for r in results if r["replayed"])
        outcomes.append(
            {
                "admission_ref": admission_ref or None,
                "rows": numbers,
                "status": "applied",
                "appended": len(results) - replayed,
                "replayed": replayed,
            }
        )
    if refused and "text/csv" in request.headers.get("accept", ""):
        return _refused(request, refused, "")
    applied = [o for o in outcomes if o["status"] == "applied"]
    return plain(
        {
            "mode": mode,
            "rows": len(parsed.rows),
            "applied": len(applied),
            "refused": len(refused),
            "appended": sum(o["appended"] for o in applied),
            "replayed": sum(o["replayed"] for o in applied),
            "outcomes": outcomes,
        }
    )

"""Search and lists, paged in SQL (projections.search_index); `limit`/`offset`, `count`, `next_offset`.

    GET /search/patients?ref=P-2&name=张桂兰&county_code=341821     admins and auditors (personal data)
    GET /search/admissions?hospital_code=LX-001&admitted_from=2018-03-01&admitted_to=2018-03-31
    GET /search/settlements?period=2018-Q1 (or 2018-07, 2018; or service_from / service_to)

`ref` matches refs that start with it; `name` matches a whole name (spaces and full-width forms aside)
through its keyed digest: the index never holds a name, so no part-name search. A hospital client lists only
its own admissions and settlements (hospital_code is its own, or omitted).
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.access import Principal, Read, Role, own_hospital_only, require_read
from api.deps import LedgerDep, PageDep, ViewsDep
from api.responses import plain
from domain.errors import ValidationError
from projections.search_index import search_admissions, search_patients, search_settlements
from service.commands.fields import PersonName, Ref
from service.personal_data import masked_id_card_no

router = APIRouter(prefix="/search", tags=["search"])
RefQuery = Annotated[Ref | None, Query()]
DayQuery = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
PeriodQuery = Annotated[
    str | None,
    Query(pattern=r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$", description="2018, 2018-07 or 2018-Q3 (service date)"),
]


def _range(first: date | None, last: date | None, what: str) -> tuple[str | None, str | None]:
    if first and last and first > last:
        raise ValidationError(f"{what}: the range's start {first} is after its end {last}")
    return (first.isoformat() if first else None, last.isoformat() if last else None)


def _scope(principal: Principal, hospital_code: str | None) -> str | None:
    if principal.role is Role.HOSPITAL:
        own_hospital_only(principal, hospital_code or str(principal.hospital))
        return principal.hospital
    return hospital_code


@router.get("/patients")
def find_patients(
    ledger: LedgerDep,
    views: ViewsDep,
    page: PageDep,
    _reader: Annotated[Principal, require_read(Read.PERSONAL)],
    ref: Annotated[Ref | None, Query(description="patient refs starting with this")] = None,
    name: Annotated[PersonName | None, Query(description="the whole name (matched by its keyed digest)")] = None,
    county_code: RefQuery = None,
) -> dict[str, Any]:
    """Patients by ref (prefix) and/or name (whole), with their name and masked ID card number."""
    name_key = ledger.personal_data.name_key(name) if name else None
    count, rows = search_patients(
        views, ref=ref, name_key=name_key, county_code=county_code, limit=page.limit, offset=page.offset
    )
    patients = []
    for row in rows:
        personal = (
            ledger.personal_data.open(row["patient_ref"], row["personal_sealed"]) if row["personal_sealed"] else {}
        )
        patients.append(
            {
                "patient_ref": row["patient_ref"],
                "county_code": row["county_code"],
                "township": row["township"],
                "name": personal.get("name"),
                "id_card_no_masked": masked_id_card_no(personal["id_card_no"]) if "id_card_no" in personal else None,
            }
        )
    return page.of(count, "patients", patients)


@router.get("/admissions")
def find_admissions(
    views: ViewsDep,
    page: PageDep,
    principal: Annotated[Principal, require_read(Read.ADMISSION)],
    hospital_code: RefQuery = None,
    patient_ref: RefQuery = None,
    admitted_from: DayQuery = None,
    admitted_to: DayQuery = None,
) -> dict[str, Any]:
    """Admissions by hospital and admission-date range (inclusive), oldest first."""
    first, last = _range(admitted_from, admitted_to, "admitted_from/admitted_to")
    count, rows = search_admissions(
        views,
        hospital_code=_scope(principal, hospital_code),
        patient_ref=patient_ref,
        admitted_from=first,
        admitted_to=last,
        limit=page.limit,
        offset=page.offset,
    )
    return page.of(count, "admissions", plain(rows))


def _period(period: str) -> tuple[str, str]:
    year = int(period[:4])
    if len(period) == 4:
        return f"{year}-01-01", f"{year}-12-31"
    part = period[5:]
    first, last = (3 * int(part[1]) - 2, 3 * int(part[1])) if part.startswith("Q") else (int(part), int(part))
    return f"{year}-{first:02d}-01", f"{year}-{last:02d}-{calendar.monthrange(year, last)[1]:02d}"


@router.get("/settlements")
def find_settlements(
    views: ViewsDep,
    page: PageDep,
    principal: Annotated[Principal, require_read(Read.ADMISSION)],
    period: PeriodQuery = None,
    service_from: DayQuery = None,
    service_to: DayQuery = None,
    county_code: RefQuery = None,
    hospital_code: RefQuery = None,
    patient_ref: RefQuery = None,
) -> dict[str, Any]:
    """Settlements by period of the service date (a year, month or quarter, or a date range), as they stand
    after any recalculation (`recalculated` counts the changes)."""
    if period and (service_from or service_to):
        raise ValidationError("give period or service_from/service_to, not both")
    first, last = _period(period) if period else _range(service_from, service_to, "service_from/service_to")
    count, rows = search_settlements(
        views,
        service_from=first,
        service_to=last,
        county_code=county_code,
        hospital_code=_scope(principal, hospital_code),
        patient_ref=patient_ref,
        limit=page.limit,
        offset=page.offset,
    )
    return page.of(count, "settlements", plain(rows))

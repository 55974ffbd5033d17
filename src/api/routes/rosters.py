"""Roster reconciliation (部门间数据比对): the poverty office's list (admin), its report, and applying it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.access import Read, require_read
from api.command_route import command_route
from api.deps import LedgerDep, RefPath
from api.responses import plain
from api.schemas.rosters import ReconciliationPublic, RosterAppliedPublic, RosterImportedPublic
from service.commands import ApplyRosterDifferences, ImportRoster
from service.rosters import reconciliation

router = APIRouter(prefix="/rosters", tags=["rosters"])

command_route(router, "/{county_code}", ImportRoster, RosterImportedPublic)
command_route(router, "/{county_code}/{roster_ref}/applications", ApplyRosterDifferences, RosterAppliedPublic)


@router.get(
    "/{county_code}/{roster_ref}/reconciliation",
    response_model=ReconciliationPublic,
    dependencies=[require_read(Read.PERSONAL)],
)
def read_reconciliation(county_code: RefPath, roster_ref: RefPath, ledger: LedgerDep) -> Any:
    """Who is on the list but not registered or not enrolled, who is registered as poor but not on it, status
    differences; and 参保率 / 参保补贴落实率 of the poor on the list."""
    return plain(reconciliation(ledger, county_code, roster_ref))

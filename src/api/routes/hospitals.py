"""Hospital accounts: what the funds pay back for the shares a hospital advanced (垫付款拨付)."""

from __future__ import annotations

from fastapi import APIRouter

from api.command_route import command_route
from api.schemas.hospitals import ReimbursementPublic
from service.commands import RecordFundReimbursement

router = APIRouter(prefix="/hospitals", tags=["hospitals"])

command_route(router, "/{hospital_code}/reimbursements", RecordFundReimbursement, ReimbursementPublic)

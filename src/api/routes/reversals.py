"""Settlement reversal (反结算) at the window or by audit, fraud (骗保) reversal, and recovery from the patient."""

from __future__ import annotations

from fastapi import APIRouter

from api.command_route import command_route
from api.schemas.reversals import FraudReversalPublic, RecoveryPublic, ReversalPublic
from service.commands import (
    RecordBenefitRecovery,
    ReverseBenefitForFraud,
    ReverseSettlement,
    ReverseSettlementByAudit,
)

router = APIRouter(tags=["reversals"])

command_route(router, "/admissions/{admission_ref}/settlement-reversals", ReverseSettlement, ReversalPublic)
command_route(router, "/admissions/{admission_ref}/audit-reversals", ReverseSettlementByAudit, ReversalPublic)
command_route(
    router, "/patients/{patient_ref}/years/{year}/fraud-reversals", ReverseBenefitForFraud, FraudReversalPublic
)
command_route(router, "/patients/{patient_ref}/years/{year}/recoveries", RecordBenefitRecovery, RecoveryPublic)

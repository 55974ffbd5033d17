"""Retroactive recalculation (追溯补偿) of patient-years, and compensation paid to patients."""

from __future__ import annotations

from fastapi import APIRouter

from api.command_route import command_route
from api.schemas.recalculations import CompensationPaidPublic, PolicyRecalculationPublic, RecalculationPublic
from service.commands import PayRetroactiveCompensation, RecalculateBenefitYear, RecalculateForPolicy

router = APIRouter(tags=["recalculations"])

command_route(
    router, "/patients/{patient_ref}/years/{year}/recalculations", RecalculateBenefitYear, RecalculationPublic
)
command_route(
    router, "/policy-versions/{region}/{version}/recalculations", RecalculateForPolicy, PolicyRecalculationPublic
)
command_route(
    router,
    "/patients/{patient_ref}/years/{year}/compensation-payments",
    PayRetroactiveCompensation,
    CompensationPaidPublic,
)

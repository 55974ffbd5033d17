"""Hospital-account responses: a fund's reimbursement of what the hospital advanced."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import Money


class ReimbursementPublic(BaseModel):
    hospital_code: str
    fund: str
    amount: Money

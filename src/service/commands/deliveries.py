"""Free drug delivery (送药上门) to poor chronic patients, paid from its own budget (`drug_delivery`)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from service.commands.base import Command
from service.commands.fields import Day, Label, Money, Ref
from service.roles import FixedFund, FundScope, Role

DELIVERY_FUND = "drug_delivery"


class RecordDrugDelivery(Command):
    """Record one delivery (patient, disease, drugs, cost) and charge its cost to the county-year's 送药上门
    budget; the patient must be poor and certified for one of the policy's chronic diseases that day."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.ADMIN, Role.PAYMENT_SERVICE})
    fund_scope: ClassVar[FundScope | None] = FixedFund(DELIVERY_FUND)

    command: Literal["record_drug_delivery"] = "record_drug_delivery"
    delivery_ref: Ref
    patient_ref: Ref
    disease: Ref
    drugs: list[Label] = Field(min_length=1, max_length=50)
    cost: Money
    delivered_on: Day

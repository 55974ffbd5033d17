"""Hospital accounts: what the funds pay back for the shares a hospital advanced (垫付款拨付)."""

from __future__ import annotations

from typing import ClassVar, Literal

from service.commands.base import Command
from service.commands.fields import Day, Money, PayerName, Ref, Text
from service.roles import FundField, FundScope, Role


class RecordFundReimbursement(Command):
    """Record a fund's payment to the hospital for shares it advanced at the one-stop window; at most what
    the fund owes the hospital (advanced - reimbursed - deducted)."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.PAYMENT_SERVICE})
    fund_scope: ClassVar[FundScope | None] = FundField("fund")

    command: Literal["record_fund_reimbursement"] = "record_fund_reimbursement"
    hospital_code: Ref
    fund: PayerName
    amount: Money
    received_on: Day
    reference: Text = ""

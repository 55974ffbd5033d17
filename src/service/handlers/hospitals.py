"""Handler of fund reimbursements (垫付款拨付): a fund pays a hospital back, never more than it owes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.commands.hospitals import RecordFundReimbursement
from service.handlers import handles
from service.idempotency import Outcome

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(RecordFundReimbursement)
def record_fund_reimbursement(ledger: BenefitLedger, cmd: RecordFundReimbursement) -> Outcome:
    """What the fund owes is `advanced - reimbursed - deducted`. The advances come from the event log itself
    (service.advances, caught up to the head now, with what this unit of work staged); reimbursements and
    deductions are the hospital account's, which this command changes under its version check."""
    fund = cmd.fund.value
    advanced = ledger.advances.advanced(cmd.hospital_code, fund)
    account = ledger.hospital_account(cmd.hospital_code)
    account.receive_reimbursement(fund, cmd.amount, cmd.received_on.isoformat(), cmd.reference, advanced)
    return Outcome([account], {"hospital_code": cmd.hospital_code, "fund": fund, "amount": cmd.amount})

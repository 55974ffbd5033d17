"""Funds that hold a budget (专项资金) and pay households after the window."""

from __future__ import annotations

from enum import Enum


class BudgetFund(str, Enum):
    REASSIST = "reassist"  # 大病医疗再救助专项资金 (2.7 M yuan a year in Langxi)
    S5090 = "s5090"  # "5090" 追溯补偿金
    DRUG_DELIVERY = "drug_delivery"  # 送药上门 (20,000 yuan a year in Langxi)


class RunFund(str, Enum):
    """The funds payment runs (批量发放) pay households from."""

    REASSIST = "reassist"
    S5090 = "s5090"


class PaymentStatus(str, Enum):
    PAID = "paid"
    FAILED = "failed"

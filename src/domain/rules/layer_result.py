"""What one payer layer paid on one settlement, with the arithmetic an auditor replays."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.money import ZERO
from domain.vocabulary import Payer


@dataclass(frozen=True)
class LayerResult:
    """One layer's share: amount paid and the parameters it was computed with.

    `base` is the amount the rule was applied to (cumulative for cumulative layers),
    `paid_before` what the layer had paid earlier in the year, `explanation` the
    arithmetic in words and numbers.
    """

    payer: Payer
    amount: Decimal
    eligible: bool
    base: Decimal = ZERO
    threshold: Decimal | None = None
    ratio: Decimal | None = None
    cap: Decimal | None = None
    paid_before: Decimal = ZERO
    explanation: str = ""
    deferred: bool = False
    """Paid to the household by a payment run (批量发放) after the window, not advanced by the hospital."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "payer": self.payer.value,
            "amount": self.amount,
            "eligible": self.eligible,
            "base": self.base,
            "threshold": self.threshold,
            "ratio": self.ratio,
            "cap": self.cap,
            "paid_before": self.paid_before,
            "explanation": self.explanation,
        }
        if self.deferred:  # only then, so settlements paid at the window keep their recorded form
            data["deferred"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerResult:
        def dec(v: Any) -> Decimal | None:
            return None if v is None else Decimal(v)

        return cls(
            Payer(data["payer"]),
            Decimal(data["amount"]),
            bool(data["eligible"]),
            Decimal(data["base"]),
            dec(data["threshold"]),
            dec(data["ratio"]),
            dec(data["cap"]),
            Decimal(data["paid_before"]),
            str(data["explanation"]),
            bool(data.get("deferred", False)),
        )


def not_eligible(payer: Payer, why: str) -> LayerResult:
    return LayerResult(payer=payer, amount=ZERO, eligible=False, explanation=f"not eligible: {why}")


def increment(target: Decimal, paid_before: Decimal, remaining: Decimal, cap: Decimal | None) -> Decimal:
    """Cumulative layers pay f(after) - f(before), never below 0, above what is left, or above the cap."""
    pay = max(ZERO, min(target - paid_before, remaining))
    if cap is not None:
        pay = min(pay, max(ZERO, cap - paid_before))
    return pay


def capped(amount: Decimal, paid_before: Decimal, cap: Decimal | None) -> Decimal:
    """An annual cap: pay no more than the cap minus what was paid earlier in the year."""
    if cap is None:
        return amount
    return max(ZERO, min(amount, cap - paid_before))

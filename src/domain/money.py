"""Money: every amount is a Decimal in yuan with exactly two places (fen).

`to_fen` is the only place in the code base that quantises. Rules call it once per
computed layer amount; everything else only adds and subtracts amounts that are
already in fen, which is exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
AMOUNT_YUAN_MAX = Decimal("100000000.00")


class InvalidAmountError(ValueError):
    """An amount that is not a finite decimal number of yuan."""


def to_fen(value: Decimal) -> Decimal:
    """Round a yuan amount to the fen, half up (the one rounding rule of the ledger)."""
    assert isinstance(value, Decimal), f"money must be Decimal, got {type(value).__name__}"
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def parse_amount(raw: object, *, field: str = "amount") -> Decimal:
    """Parse client input into a non-negative amount with at most two decimal places.

    Floats are refused: they cannot represent fen exactly.
    """
    if isinstance(raw, bool | float):
        raise InvalidAmountError(f"{field}: give money as a string or integer, not {type(raw).__name__}")
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmountError(f"{field}: {raw!r} is not a number") from None
    if not value.is_finite():
        raise InvalidAmountError(f"{field}: {raw!r} is not a finite number")
    if value < 0:
        raise InvalidAmountError(f"{field}: {raw!r} is negative")
    if value > AMOUNT_YUAN_MAX:
        raise InvalidAmountError(f"{field}: {raw!r} exceeds {AMOUNT_YUAN_MAX}")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -2:
        raise InvalidAmountError(f"{field}: {raw!r} has more than two decimal places")
    return value + ZERO  # exact: gives the value exponent -2 without rounding


def is_fen(value: Decimal) -> bool:
    """True when `value` is a Decimal already expressed in whole fen."""
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


def money_sum(amounts: Iterable[Decimal]) -> Decimal:
    """Exact sum of fen amounts, starting from 0.00 so an empty sum keeps two places."""
    total = ZERO
    for amount in amounts:
        total += amount
    return total

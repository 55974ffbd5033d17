"""Client money entering the service layer: exact fen, or a ValidationError naming the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.errors import ValidationError
from domain.money import InvalidAmountError, parse_amount


def as_amount(value: Any, field: str) -> Decimal:
    """`value` as an amount with exactly two places; refused if it is not a whole number of fen."""
    try:
        return parse_amount(value, field=field)
    except InvalidAmountError as exc:
        raise ValidationError(str(exc)) from None

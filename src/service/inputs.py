"""Client input entering the service layer: each helper returns the parsed value or raises a
ValidationError naming the field, before anything is appended."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from domain.errors import ValidationError
from domain.money import InvalidAmountError, parse_amount

E = TypeVar("E", bound=Enum)
REF_LENGTH_MAX = 120


def as_amount(value: Any, field: str) -> Decimal:
    """`value` as an amount with exactly two places; refused if it is not a whole number of fen."""
    try:
        return parse_amount(value, field=field)
    except InvalidAmountError as exc:
        raise ValidationError(str(exc)) from None


def as_enum(kind: type[E], value: str, field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise ValidationError(f"{field}: {value!r} is not one of {', '.join(str(m.value) for m in kind)}") from None


def require_ref(field: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > REF_LENGTH_MAX:
        raise ValidationError(f"{field}: give a non-empty string of at most {REF_LENGTH_MAX} characters")


def as_aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise ValidationError(f"{field}: give a time zone (e.g. +08:00)")
    return moment


DAY_MIN = date(2000, 1, 1)  # the programmes' records start after 2000; nothing is dated after 2100
DAY_MAX = date(2100, 12, 31)


def in_service_range(day: date, field: str) -> date:
    """A date (or the date of a moment) the ledger accepts: 2000-01-01 to 2100-12-31."""
    plain = day.date() if isinstance(day, datetime) else day
    if not DAY_MIN <= plain <= DAY_MAX:
        raise ValidationError(f"{field}: {plain.isoformat()} is out of range ({DAY_MIN} to {DAY_MAX})")
    return day

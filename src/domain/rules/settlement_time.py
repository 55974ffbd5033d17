"""When a client's `settled_at` may lie: the time rules of a settlement (issue 10).

The ledger records every event at the server's time; `settled_at` is the window's own statement of when it
settled, kept on the settlement record. It is checked, never trusted to choose anything:

* not before the admission (its date, in China Standard Time, is on or after `admitted_on`);
* not after the discharge: a settlement is made at discharge (one-stop settlement, 即时结算), so its date is
  on or before `discharged_on` (inclusive), plus the policy's `settlement.days_after_discharge` (报销时限,
  a versioned parameter; 0 means the discharge day only);
* not more than `tolerance` after the server's clock (a window's clock that runs a little fast is
  accepted; a date in the future is not);
* not before the patient-year's previous settlement (settlements of one patient-year are in time order).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from domain.errors import ValidationError

CHINA = timezone(timedelta(hours=8), "CST")


def check_settled_at(
    settled_at: datetime,
    *,
    admitted_on: date,
    discharged_on: date,
    days_after_discharge: int,
    recorded_at: datetime,
    tolerance: timedelta,
    previous_settled_at: datetime | None,
) -> None:
    """Refuse (ValidationError, a 422) a `settled_at` outside the rules above."""
    day = settled_at.astimezone(CHINA).date()
    shown = settled_at.isoformat()
    if day < admitted_on:
        raise ValidationError(f"settled_at: {shown} is before the admission on {admitted_on}")
    if day > discharged_on + timedelta(days=days_after_discharge):
        raise ValidationError(
            f"settled_at: {shown} is more than {days_after_discharge} days after the discharge on {discharged_on}"
        )
    if settled_at > recorded_at + tolerance:
        raise ValidationError(
            f"settled_at: {shown} is in the future (server time {recorded_at.isoformat()}, tolerance "
            f"{int(tolerance.total_seconds())} s)"
        )
    if previous_settled_at is not None and settled_at < previous_settled_at:
        raise ValidationError(
            f"settled_at: {shown} is before the patient-year's previous settlement at {previous_settled_at.isoformat()}"
        )

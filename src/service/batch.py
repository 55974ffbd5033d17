"""Batches: many commands from one payment file, one transaction, all or nothing.

A command is `{"command": <BenefitLedger method>, "command_id": ..., "args": {...}}` with JSON-typed
arguments (dates and times as ISO text, amounts as strings). Each keeps its own idempotency: a
command id already recorded (earlier, or earlier in the same batch) returns its first result and
appends nothing. A later command sees what earlier commands of the batch did (service.unit_of_work).
A refused command refuses the whole batch and its error names the command's index; nothing is written.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Union

from eventsourcing.persistence import IntegrityError

from domain.errors import ConcurrencyConflictError, LedgerError, ValidationError
from domain.policy.loader import PolicyDocument, parse_document
from domain.policy.parsing import PolicyError
from service.inputs import as_amount, in_service_range
from service.unit_of_work import commit, unit_of_work

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

BATCH_SIZE_MAX = 1000
RETRY_COUNT_MAX = 8
BATCH_COMMANDS = frozenset(
    {
        "register_patient",
        "enrol_patient",
        "record_poverty_status",
        "certify_chronic_disease",
        "revoke_chronic_disease",
        "confirm_major_disease",
        "sign_family_doctor_contract",
        "record_follow_up",
        "register_admission",
        "post_charge_line",
        "reverse_charge_line",
        "discharge",
        "settle_admission",
        "publish_policy_version",
        "record_audit_finding",
        "pay_patient_refund",
        "withdraw_audit_finding",
        "record_fund_reimbursement",
        "recalculate_benefit_year",
        "pay_retroactive_compensation",
    }
)


class BatchCommandError(LedgerError):
    """A command of a batch was refused; `index` and `command_id` name it, `status` is the command's own."""

    def __init__(self, index: int, command_id: str | None, cause: Exception) -> None:
        super().__init__(f"command #{index} ({command_id or 'no command id'}): {cause}")
        self.index = index
        self.command_id = command_id
        self.status = getattr(cause, "status", 422)
        self.title = getattr(cause, "title", "Invalid command")
        self.current_version = getattr(cause, "current_version", None)


def run_batch(
    ledger: BenefitLedger,
    commands: Sequence[Mapping[str, Any]],
    authorize: typing.Callable[[str, Mapping[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run `commands` in one transaction; one result per command, each with `replayed`.

    `authorize(command, args)` (the API's access check) runs before each command and may raise.
    """
    if not isinstance(commands, Sequence) or isinstance(commands, str | bytes) or not commands:
        raise ValidationError("commands: give a non-empty list of commands")
    if len(commands) > BATCH_SIZE_MAX:
        raise ValidationError(f"commands: at most {BATCH_SIZE_MAX} per batch, got {len(commands)}")
    calls = [_parsed(index, command) for index, command in enumerate(commands)]
    for _ in range(RETRY_COUNT_MAX):
        with unit_of_work() as unit:
            results = []
            for index, (name, command_id, kwargs, raw_args) in enumerate(calls):
                try:
                    if authorize is not None:
                        authorize(name, raw_args)
                    result = getattr(ledger, name)(command_id=command_id, **kwargs)
                except (LedgerError, PolicyError) as exc:
                    raise BatchCommandError(index, command_id, exc) from None
                results.append(
                    {
                        "index": index,
                        "command": name,
                        "command_id": command_id,
                        "replayed": bool(result.pop("replayed", False)),
                        "result": result,
                    }
                )
            try:
                commit(ledger, unit)
            except IntegrityError:  # a concurrent writer: run the batch again on fresh state
                continue
            return results
    raise ConcurrencyConflictError(f"batch: gave up after {RETRY_COUNT_MAX} conflicting attempts")


def _parsed(index: int, command: Any) -> tuple[str, str, dict[str, Any], Mapping[str, Any]]:
    if not isinstance(command, Mapping):
        raise BatchCommandError(index, None, ValidationError("a command is an object {command, command_id, args}"))
    name, command_id, args = command.get("command"), command.get("command_id"), command.get("args", {})
    try:
        if name not in BATCH_COMMANDS:
            raise ValidationError(f"command: {name!r} is not one of {', '.join(sorted(BATCH_COMMANDS))}")
        if not isinstance(command_id, str) or not command_id.strip():
            raise ValidationError("command_id: give a non-empty string")
        if not isinstance(args, Mapping):
            raise ValidationError("args: give an object of the command's arguments")
        return name, command_id, converted_args(name, args), args
    except (ValidationError, PolicyError) as exc:
        raise BatchCommandError(index, command_id if isinstance(command_id, str) else None, exc) from None


def converted_args(name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """JSON arguments as the method's parameter types; unknown or missing arguments are refused."""
    parameters = _parameters(name)
    unknown = sorted(set(args) - set(parameters))
    if unknown:
        raise ValidationError(f"args: unknown argument(s) {', '.join(unknown)} for {name}")
    missing = sorted(p for p, (_, required) in parameters.items() if required and p not in args)
    if missing:
        raise ValidationError(f"args: missing {', '.join(missing)} for {name}")
    return {key: _as(parameters[key][0], value, key) for key, value in args.items()}


@cache
def _parameters(name: str) -> dict[str, tuple[Any, bool]]:
    from service.ledger import BenefitLedger

    method = getattr(BenefitLedger, name)
    hints = typing.get_type_hints(method)
    return {
        p.name: (hints.get(p.name, Any), p.default is inspect.Parameter.empty)
        for p in inspect.signature(method).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "command_id"
    }


def _as(kind: Any, value: Any, field: str) -> Any:
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        if value is None:
            return None
        return _as(options[0], value, field)
    if kind is PolicyDocument:
        if not isinstance(value, Mapping):
            raise ValidationError(f"{field}: give the policy document {{meta, ...parameters}}")
        return parse_document(dict(value))
    checks: dict[Any, Any] = {
        str: lambda v: v if isinstance(v, str) else _wrong(field, "a string"),
        bool: lambda v: v if isinstance(v, bool) else _wrong(field, "true or false"),
        int: lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _wrong(field, "an integer"),
        Decimal: lambda v: as_amount(v, field),
        date: lambda v: _iso(date, v, field),
        datetime: lambda v: _iso(datetime, v, field),
    }
    if kind in checks:
        return checks[kind](value)
    if origin is list:
        if not isinstance(value, list):
            _wrong(field, "a list")
        return [_as(typing.get_args(kind)[0], item, field) for item in value]
    if origin is dict or kind is dict:
        return value if isinstance(value, dict) else _wrong(field, "an object")
    return value


def _iso(kind: type[date | datetime], value: Any, field: str) -> Any:
    if not isinstance(value, str):
        _wrong(field, "an ISO date" if kind is date else "an ISO date-time with offset")
    try:
        parsed = kind.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field}: {value!r} is not an ISO {'date' if kind is date else 'date-time'}") from None
    if kind is datetime and parsed.tzinfo is None:
        raise ValidationError(f"{field}: give a time zone (e.g. +08:00)")
    if kind is date and isinstance(parsed, datetime):
        raise ValidationError(f"{field}: give a date, not a date-time")
    return in_service_range(parsed, field)


def _wrong(field: str, expected: str) -> typing.NoReturn:
    raise ValidationError(f"{field}: expected {expected}")

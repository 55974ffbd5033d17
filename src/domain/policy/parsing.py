"""Strict readers for policy data: each failure names the dotted path of the bad value."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

E = TypeVar("E", bound=Enum)

LEAF_KEYS = frozenset({"value", "confidence", "source", "note"})
CONFIDENCE_LABELS = frozenset(
    {"CONFIRMED-SEED", "CONFIRMED-RETRIEVED", "INFERRED-RECALL", "INFERRED-LOGIC", "ILLUSTRATIVE", "ASSUMPTION"}
)


class PolicyError(ValueError):
    """Policy data that cannot be used; the message names the offending parameter."""


def unwrap(tree: Any, path: str = "") -> tuple[Any, dict[str, str]]:
    """Split annotated data into (plain values, {dotted path: confidence}).

    A leaf may be written bare (`ratio = "0.9"`) or annotated
    (`ratio = {value = "0.9", confidence = "ILLUSTRATIVE"}`).
    """
    confidence: dict[str, str] = {}
    if isinstance(tree, Mapping):
        if "value" in tree and set(tree) <= LEAF_KEYS:
            label = tree.get("confidence")
            if label is not None:
                if not isinstance(label, str) or label not in CONFIDENCE_LABELS:
                    raise PolicyError(f"{path}: unknown confidence label {label!r}")
                confidence[path] = label
            return tree["value"], confidence
        plain: dict[str, Any] = {}
        for key, sub in tree.items():
            sub_path = f"{path}.{key}" if path else str(key)
            plain[key], sub_conf = unwrap(sub, sub_path)
            confidence.update(sub_conf)
        return plain, confidence
    return tree, confidence


def section(tree: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = tree.get(key)
    where = f"{path}.{key}" if path else key
    if value is None:
        raise PolicyError(f"{where}: missing section")
    return table(value, where)


def table(value: Any, where: str) -> Mapping[str, Any]:
    """`value` if it is a table (mapping), else a PolicyError naming `where`."""
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: expected a table of parameters, got {type(value).__name__}")
    return value


def decimal(tree: Mapping[str, Any], key: str, path: str, *, default: Any = ..., ratio: bool = False) -> Decimal:
    raw = tree.get(key, default)
    if raw is ...:
        raise PolicyError(f"{path}.{key}: missing")
    if isinstance(raw, (float, bool)):
        raise PolicyError(f"{path}.{key}: write numbers as strings, not {type(raw).__name__}")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise PolicyError(f"{path}.{key}: {raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise PolicyError(f"{path}.{key}: {raw!r} must be a non-negative number")
    if ratio and value > 1:
        raise PolicyError(f"{path}.{key}: ratio {raw!r} is above 1")
    return value


def optional_decimal(tree: Mapping[str, Any], key: str, path: str) -> Decimal | None:
    raw = tree.get(key)
    if raw is None or raw == "" or raw == "none":
        return None
    return decimal(tree, key, path)


def parse_enum(raw: Any, where: str, kind: type[E]) -> E:
    """`raw` as a member of `kind`; `where` is the full dotted path named in the error."""
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise PolicyError(f"{where}: {raw!r} is not one of {allowed}") from None


def enum_value(tree: Mapping[str, Any], key: str, path: str, kind: type[E], *, default: Any = ...) -> E:
    raw = tree.get(key, default)
    if raw is ...:
        raise PolicyError(f"{path}.{key}: missing")
    return parse_enum(raw, f"{path}.{key}", kind)


def enum_list(tree: Mapping[str, Any], key: str, path: str, kind: type[E], *, default: Any = ...) -> tuple[E, ...]:
    raw = tree.get(key, default)
    if raw is ...:
        raise PolicyError(f"{path}.{key}: missing")
    if not isinstance(raw, (list, tuple)):
        raise PolicyError(f"{path}.{key}: expected a list")
    return tuple(parse_enum(item, f"{path}.{key}[{i}]", kind) for i, item in enumerate(raw))


def string_list(tree: Mapping[str, Any], key: str, path: str, *, default: Any = ...) -> tuple[str, ...]:
    raw = tree.get(key, default)
    if raw is ...:
        raise PolicyError(f"{path}.{key}: missing")
    if not isinstance(raw, (list, tuple)) or not all(isinstance(x, str) for x in raw):
        raise PolicyError(f"{path}.{key}: expected a list of strings")
    return tuple(raw)


def boolean(tree: Mapping[str, Any], key: str, path: str, *, default: Any = ...) -> bool:
    raw = tree.get(key, default)
    if not isinstance(raw, bool):
        raise PolicyError(f"{path}.{key}: expected true or false")
    return raw


def iso_date(tree: Mapping[str, Any], key: str, path: str, *, default: Any = ...) -> date | None:
    raw = tree.get(key, default)
    if raw is None:
        return None
    if raw is ...:
        raise PolicyError(f"{path}.{key}: missing")
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise PolicyError(f"{path}.{key}: {raw!r} is not a date (YYYY-MM-DD)") from None

"""FHIR JSON with exact decimals.

FHIR's `decimal` is a JSON number whose written precision matters (49700.00 is not 49700), so
amounts are never passed through float: `Decimal` values are written with their own digits.
`loads` reads numbers back as `Decimal` for the same reason.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

INDENT = "  "


def dumps(value: Any, *, indent: bool = True) -> str:
    """JSON text of a FHIR resource built from dicts, lists, str, bool, int, None and Decimal."""
    parts: list[str] = []
    _write(value, parts, 0 if indent else None)
    return "".join(parts)


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def _write(value: Any, out: list[str], depth: int | None) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"FHIR decimals are finite, got {value}")
        out.append(format(value, "f"))
    elif isinstance(value, dict):
        _write_container(list(value.items()), "{", "}", out, depth, keyed=True)
    elif isinstance(value, (list, tuple)):
        _write_container(list(value), "[", "]", out, depth, keyed=False)
    elif value is None or isinstance(value, (str, bool, int)):
        out.append(json.dumps(value, ensure_ascii=False))
    else:
        raise TypeError(f"not a FHIR JSON value: {type(value).__name__}")


def _write_container(
    entries: list[Any], opening: str, closing: str, out: list[str], depth: int | None, *, keyed: bool
) -> None:
    out.append(opening)
    inner = None if depth is None else depth + 1
    for index, entry in enumerate(entries):
        if index:
            out.append(",")
        if inner is not None:
            out.append("\n" + INDENT * inner)
        if keyed:
            key, entry = entry
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys are strings, got {type(key).__name__}")
            out.append(json.dumps(key, ensure_ascii=False) + (": " if inner is not None else ":"))
        _write(entry, out, inner)
    if entries and depth is not None:
        out.append("\n" + INDENT * depth)
    out.append(closing)

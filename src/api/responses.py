"""JSON bodies through orjson. Decimals become strings, never floats (see `decimal_text`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import JSONResponse

from domain.money import ZERO


def decimal_text(value: Decimal) -> str:
    """Whole-fen amounts with two places ("16830.00"); a value with more places keeps them (never rounded)."""
    text = str(value)  # the common shapes straight from the text ("300", "0.9", "16830.00"): the same result
    if text[0] != "-" and "E" not in text and len(text) < 24:  # (within the context's 28 digits)
        dot = text.find(".")
        if dot < 0:
            if text.isdigit():
                return text + ".00"
        elif len(text) - dot > 2:
            return text  # two places or more: kept as they are
        else:
            return text + "0"
    return _decimal_text_exactly(value)


def _decimal_text_exactly(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return str(value + ZERO)  # exact: adding 0.00 only widens the scale
    return str(value)


def plain(value: Any) -> Any:
    """A read model's rows as JSON values: Decimals as `decimal_text`, dates ISO, inside lists and mappings too."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    return value


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


class OrjsonResponse(JSONResponse):
    """Our own orjson response (FastAPI's ORJSONResponse is deprecated)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_default, option=orjson.OPT_NON_STR_KEYS)


class ProblemResponse(OrjsonResponse):
    media_type = "application/problem+json"

"""The field types every command shares: one rule per kind of value, for every path (routes, batches, imports).

Each type is an `Annotated` alias whose validator runs before pydantic's strict check, so a JSON body, a
batch line and a Python caller meet the same rule and the same message:

| type        | accepts                                                                              |
|-------------|--------------------------------------------------------------------------------------|
| `Ref`       | 1-120 of `A-Z a-z 0-9 . _ : # -`, starting with a letter or digit (`REF_PATTERN`); no `/` |
| `CommandId` | 1-200 printable ASCII characters, no spaces (`COMMAND_ID_PATTERN`)                    |
| `Text`      | at most 500 characters, no control characters (C0, DEL, C1) and no lone surrogates   |
| `Reason`    | `Text`, not blank                                                                     |
| `Label`     | a name or code that never appears in a URL (a doctor, a charge category): 1-120 characters, not blank, no control characters |
| `Money`     | a string matching `MONEY_PATTERN` or a JSON integer (Python: a Decimal in whole fen), |
|             | at most 100,000,000.00; never a float or a bool                                       |
| `Day`       | `YYYY-MM-DD` (Python: a date), 2000-01-01 to 2100-12-31                              |
| `Moment`    | ISO 8601 date-time with an offset (`Z` or `+08:00`), its date in the same range       |
| `Year`      | an integer 2000-2100 (not a string)                                                   |
| `IdCardNo`  | 18 ASCII characters, 17 digits and a check character (GB 11643)                       |
| `JsonObject`| a JSON object at most 32 levels deep and 20,000 values, its keys and strings `Text`-clean, no floats |

Patterns are matched whole with ASCII classes: `\\d` never matches a full-width or Arabic-Indic digit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from domain.funds import BudgetFund, PaymentStatus, RunFund
from domain.money import AMOUNT_YUAN_MAX, ZERO
from domain.vocabulary import (
    AuditReason,
    ChronicRisk,
    Payer,
    PovertyStatus,
    PremiumPayer,
    Tier,
    Treatment,
    VisitKind,
)
from service.roles import Role  # it imports no command module: no cycle

E = TypeVar("E", bound=Enum)

REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:#-]{0,119}$"
COMMAND_ID_PATTERN = r"^[!-~]{1,200}$"
MONEY_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
MOMENT_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
MEASUREMENT_PATTERN = r"^\d{1,4}(\.\d{1,2})?$"

REF_LENGTH_MAX = 120
COMMAND_ID_LENGTH_MAX = 200
TEXT_LENGTH_MAX = 500
NAME_LENGTH_MAX = 50
JSON_DEPTH_MAX = 32
JSON_VALUES_MAX = 20_000
JSON_KEY_LENGTH_MAX = 100
JSON_STRING_LENGTH_MAX = 2_000
JSON_INT_MAX = 10**15
DAY_MIN = date(2000, 1, 1)  # the programmes' records start after 2000; nothing is dated after 2100
DAY_MAX = date(2100, 12, 31)
YEAR_MIN, YEAR_MAX = DAY_MIN.year, DAY_MAX.year


def _compiled(pattern: str) -> re.Pattern[str]:
    """A documented `^...$` pattern, matched whole (`fullmatch`: no trailing newline) with ASCII classes."""
    return re.compile(pattern.removeprefix("^").removesuffix("$"), re.ASCII)


_REF = _compiled(REF_PATTERN)
_COMMAND_ID = _compiled(COMMAND_ID_PATTERN)
_MONEY = _compiled(MONEY_PATTERN)
_DAY = _compiled(DAY_PATTERN)
_MOMENT = _compiled(MOMENT_PATTERN)
_MEASUREMENT = _compiled(MEASUREMENT_PATTERN)
_ID_CARD = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
# C0 controls, DEL, C1 controls, and UTF-16 surrogates (a lone one cannot be stored or sent as UTF-8)
_FORBIDDEN_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _refuse(error_type: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(error_type, message, context or None)


def _kind_of(value: object) -> str:
    return "null" if value is None else type(value).__name__


# ---- text ---------------------------------------------------------------------------------------
def check_clean(value: str) -> None:
    """Refuse control characters and lone surrogates (shared with `JsonObject` strings)."""
    found = _FORBIDDEN_CHARACTERS.search(value)
    if found is not None:
        raise _refuse(
            "control_character",
            "contains a control character (U+{code}); text may hold no control characters",
            code=f"{ord(found.group()):04X}",
        )


def _text(length_max: int, *, required: bool = False, strip: bool = False) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise _refuse("text_type", "give text (a string), not {kind}", kind=_kind_of(value))
        check_clean(value)
        text = value.strip() if strip else value
        if required and not text.strip():
            raise _refuse("text_blank", "give a non-empty text")
        if len(text) > length_max:
            raise _refuse(
                "text_too_long", "at most {limit} characters, got {length}", limit=length_max, length=len(text)
            )
        return text

    return check


def _ref(value: object) -> str:
    if not isinstance(value, str):
        raise _refuse("ref_type", "give a ref (a string), not {kind}", kind=_kind_of(value))
    if _REF.fullmatch(value) is None:
        raise _refuse(
            "ref_pattern",
            "give a ref: 1 to 120 of A-Z a-z 0-9 . _ : # -, starting with a letter or digit (no spaces, no '/')",
        )
    return value


def _command_id(value: object) -> str:
    if not isinstance(value, str):
        raise _refuse("command_id_type", "give a command id (a string), not {kind}", kind=_kind_of(value))
    if _COMMAND_ID.fullmatch(value) is None:
        raise _refuse("command_id_pattern", "give 1 to 200 printable ASCII characters, no spaces")
    return value


Ref = Annotated[
    str,
    BeforeValidator(_ref),
    WithJsonSchema({"type": "string", "pattern": REF_PATTERN, "examples": ["P-2.3-B#1"]}),
]
CommandId = Annotated[
    str,
    BeforeValidator(_command_id),
    WithJsonSchema({"type": "string", "pattern": COMMAND_ID_PATTERN, "description": "client id of this command"}),
]
_TEXT_SCHEMA = {"type": "string", "maxLength": TEXT_LENGTH_MAX, "description": "no control characters"}
Text = Annotated[str, BeforeValidator(_text(TEXT_LENGTH_MAX)), WithJsonSchema(_TEXT_SCHEMA)]
Reason = Annotated[
    str, BeforeValidator(_text(TEXT_LENGTH_MAX, required=True)), WithJsonSchema({**_TEXT_SCHEMA, "minLength": 1})
]
Label = Annotated[
    str,
    BeforeValidator(_text(REF_LENGTH_MAX, required=True)),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": REF_LENGTH_MAX, "description": "no control characters"}
    ),
]
PersonName = Annotated[
    str,
    BeforeValidator(_text(NAME_LENGTH_MAX, required=True, strip=True)),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": NAME_LENGTH_MAX}),
]


# ---- numbers ------------------------------------------------------------------------------------
def _money(value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise _refuse("money_type", "give money as a string or integer, not {kind}", kind=type(value).__name__)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if not value.is_finite() or not isinstance(exponent, int) or exponent < -2:
            raise _refuse("money_pattern", "{value} is not an amount of yuan with at most two places", value=str(value))
        amount = value
    elif isinstance(value, str):
        if _MONEY.fullmatch(value) is None:
            raise _refuse(
                "money_pattern",
                "{value} is not an amount: write yuan as digits with at most two places, e.g. 16830.00",
                value=repr(value[:40]),
            )
        amount = Decimal(value)
    else:
        raise _refuse("money_type", "give money as a string or integer, not {kind}", kind=_kind_of(value))
    if amount < 0:
        raise _refuse("money_negative", "{value} is negative", value=str(amount))
    if amount > AMOUNT_YUAN_MAX:
        raise _refuse("money_too_large", "{value} exceeds {limit}", value=str(amount), limit=str(AMOUNT_YUAN_MAX))
    return amount + ZERO  # exact: exponent -2 without rounding


MONEY_SCHEMA = {
    "oneOf": [
        {"type": "string", "pattern": MONEY_PATTERN, "examples": ["16830.00"]},
        {"type": "integer", "minimum": 0, "maximum": int(AMOUNT_YUAN_MAX)},
    ],
    "description": "yuan: a string of digits with at most two places, or an integer; never a float",
}
Money = Annotated[Decimal, BeforeValidator(_money), WithJsonSchema(MONEY_SCHEMA)]


def _measurement(value: object) -> Decimal:
    """A clinical measurement (mmol/L): a number with at most two places; JSON numbers are welcome here."""
    if isinstance(value, bool):
        raise _refuse("measurement_type", "give a number, not bool")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if value.is_finite() and isinstance(exponent, int) and exponent >= -2 and 0 <= value < 10_000:
            return value
        raise _refuse("measurement", "{value} is not a measurement with at most two places", value=str(value))
    if isinstance(value, str) and _MEASUREMENT.fullmatch(value) is not None:
        return Decimal(value)
    raise _refuse("measurement", "give a number of at most 4 digits and two places, e.g. 6.1")


Measurement = Annotated[
    Decimal,
    BeforeValidator(_measurement),
    WithJsonSchema({"oneOf": [{"type": "string", "pattern": MEASUREMENT_PATTERN}, {"type": "number", "minimum": 0}]}),
]


QUANTITY_PATTERN = r"^\d{1,6}(\.\d{1,3})?$"
_QUANTITY = _compiled(QUANTITY_PATTERN)


def _quantity(value: object) -> Decimal:
    """How many units a charge line bills: a positive number, at most 6 digits and 3 places (string or integer)."""
    if isinstance(value, bool | float):
        raise _refuse("quantity_type", "give a quantity as a string or integer, not {kind}", kind=type(value).__name__)
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        value = str(value)
    if not isinstance(value, str) or _QUANTITY.fullmatch(value) is None:
        raise _refuse("quantity", "give a quantity of at most 6 digits and 3 places, e.g. 2 or 0.5")
    quantity = Decimal(value)
    if quantity <= 0:
        raise _refuse("quantity_not_positive", "a quantity is positive (reverse a line to correct it)")
    return quantity


def _share(value: object) -> Decimal:
    """A share from 0 to below 1 (e.g. a class-B item's self-pay share), as a string of at most 4 places."""
    if not isinstance(value, str | Decimal) or isinstance(value, bool):
        raise _refuse("share_type", 'give a share as a string such as "0.10", not {kind}', kind=_kind_of(value))
    text = str(value)
    if _SHARE.fullmatch(text) is None:
        raise _refuse("share", "give a share from 0 to below 1 with at most 4 places, e.g. 0.10")
    return Decimal(text)


SHARE_PATTERN = r"^0(\.\d{1,4})?$"
_SHARE = _compiled(SHARE_PATTERN)
Share = Annotated[Decimal, BeforeValidator(_share), WithJsonSchema({"type": "string", "pattern": SHARE_PATTERN})]


Quantity = Annotated[
    Decimal,
    BeforeValidator(_quantity),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "pattern": QUANTITY_PATTERN},
                {"type": "integer", "minimum": 1, "maximum": 999999},
            ]
        }
    ),
]


def _integer(low: int, high: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _refuse("int_type", "give an integer, not {kind}", kind=_kind_of(value))
        if not low <= value <= high:
            raise _refuse("int_range", "give {low} to {high}, not {value}", low=low, high=high, value=value)
        return value

    return check


def _int_schema(low: int, high: int) -> WithJsonSchema:
    return WithJsonSchema({"type": "integer", "minimum": low, "maximum": high})


Year = Annotated[int, BeforeValidator(_integer(YEAR_MIN, YEAR_MAX)), _int_schema(YEAR_MIN, YEAR_MAX)]
Version = Annotated[int, BeforeValidator(_integer(1, 2**31 - 1)), _int_schema(1, 2**31 - 1)]
Reading = Annotated[int, BeforeValidator(_integer(0, 1000)), _int_schema(0, 1000)]  # plausibility: the domain's
MonthNumber = Annotated[int, BeforeValidator(_integer(1, 12)), _int_schema(1, 12)]  # a bulletin's month
QuarterNumber = Annotated[int, BeforeValidator(_integer(1, 4)), _int_schema(1, 4)]  # a bulletin's quarter


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _refuse("bool_type", "give true or false, not {kind}", kind=_kind_of(value))
    return value


Flag = Annotated[bool, BeforeValidator(_flag), WithJsonSchema({"type": "boolean"})]


# ---- dates and moments --------------------------------------------------------------------------
def _in_range(day: date) -> None:
    if not DAY_MIN <= day <= DAY_MAX:
        raise _refuse(
            "date_range",
            "{day} is out of range ({low} to {high})",
            day=day.isoformat(),
            low=str(DAY_MIN),
            high=str(DAY_MAX),
        )


def _day(value: object) -> date:
    if isinstance(value, datetime):
        raise _refuse("date_type", "give a date, not a date-time")
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and _DAY.fullmatch(value) is not None:
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise _refuse(
                "date_invalid", "{value} is not a date ({error})", value=repr(value), error=str(exc)
            ) from None
    else:
        raise _refuse("date_type", "give a date as YYYY-MM-DD")
    _in_range(day)
    return day


def _moment(value: object) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value) <= 40:
        if _MOMENT.fullmatch(value) is None:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?", value, re.ASCII):
                raise _refuse("moment_naive", "give a time zone (e.g. +08:00)")
            raise _refuse("moment_type", "give an ISO date-time with an offset, e.g. 2018-07-01T10:00:00+08:00")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise _refuse(
                "moment_invalid", "{value} is not a date-time ({error})", value=repr(value), error=str(exc)
            ) from None
    else:
        raise _refuse("moment_type", "give an ISO date-time with an offset, e.g. 2018-07-01T10:00:00+08:00")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _refuse("moment_naive", "give a time zone (e.g. +08:00)")
    _in_range(moment.date())
    return moment


Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]
Moment = Annotated[datetime, BeforeValidator(_moment), WithJsonSchema({"type": "string", "format": "date-time"})]


# ---- vocabularies -------------------------------------------------------------------------------
def _member_of(kind: type[E]) -> Callable[[object], E]:
    allowed = ", ".join(str(m.value) for m in kind)

    def check(value: object) -> E:
        if isinstance(value, kind):
            return value
        if isinstance(value, str):
            for member in kind:
                if member.value == value:
                    return member
        raise _refuse("enum", "{value} is not one of {allowed}", value=repr(value)[:40], allowed=allowed)

    return check


def _enum_schema(kind: type[Enum]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": [str(m.value) for m in kind]})


PovertyStatusName = Annotated[PovertyStatus, BeforeValidator(_member_of(PovertyStatus)), _enum_schema(PovertyStatus)]
VisitKindName = Annotated[VisitKind, BeforeValidator(_member_of(VisitKind)), _enum_schema(VisitKind)]
TierName = Annotated[Tier, BeforeValidator(_member_of(Tier)), _enum_schema(Tier)]
AuditReasonName = Annotated[AuditReason, BeforeValidator(_member_of(AuditReason)), _enum_schema(AuditReason)]
PayerName = Annotated[Payer, BeforeValidator(_member_of(Payer)), _enum_schema(Payer)]
TreatmentName = Annotated[Treatment, BeforeValidator(_member_of(Treatment)), _enum_schema(Treatment)]
ChronicRiskName = Annotated[ChronicRisk, BeforeValidator(_member_of(ChronicRisk)), _enum_schema(ChronicRisk)]
PremiumPayerName = Annotated[PremiumPayer, BeforeValidator(_member_of(PremiumPayer)), _enum_schema(PremiumPayer)]
BudgetFundName = Annotated[BudgetFund, BeforeValidator(_member_of(BudgetFund)), _enum_schema(BudgetFund)]
RunFundName = Annotated[RunFund, BeforeValidator(_member_of(RunFund)), _enum_schema(RunFund)]
PaymentStatusName = Annotated[PaymentStatus, BeforeValidator(_member_of(PaymentStatus)), _enum_schema(PaymentStatus)]


# ---- personal identifiers -----------------------------------------------------------------------
def check_id_card_no(value: object) -> str:
    """An 18-character resident ID card number (GB 11643): 17 ASCII digits and a valid check character."""
    if not isinstance(value, str):
        raise _refuse("id_card_type", "give the 18-character resident ID card number as a string")
    text = value.strip().upper()
    if _ID_CARD.fullmatch(text) is None:
        raise _refuse("id_card_pattern", "give the 18-character resident ID card number (17 digits 0-9, then 0-9 or X)")
    if _ID_CHECK[sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True)) % 11] != text[17]:
        raise _refuse("id_card_check", "the check character does not match (a digit was mistyped)")
    return text


IdCardNo = Annotated[
    str,
    BeforeValidator(check_id_card_no),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{17}[0-9Xx]$", "description": "stored only encrypted"}),
]


# ---- bounded JSON -------------------------------------------------------------------------------
def _json_object(value: object) -> dict[str, Any]:
    """A JSON object, checked without recursion (a hostile document may be deeper than Python's stack)."""
    if not isinstance(value, dict):
        raise _refuse("json_type", "give a JSON object, not {kind}", kind=_kind_of(value))
    stack: list[tuple[object, int, str]] = [(value, 1, "")]
    seen = 0
    while stack:
        node, depth, path = stack.pop()
        seen += 1
        if seen > JSON_VALUES_MAX:
            raise _refuse("json_too_large", "more than {limit} values", limit=JSON_VALUES_MAX)
        if depth > JSON_DEPTH_MAX:
            raise _refuse(
                "json_too_deep", "nested deeper than {limit} levels (at {path})", limit=JSON_DEPTH_MAX, path=path[:80]
            )
        if isinstance(node, dict):
            for key, item in node.items():
                if not isinstance(key, str) or len(key) > JSON_KEY_LENGTH_MAX:
                    raise _refuse("json_key", "keys are text of at most {limit} characters", limit=JSON_KEY_LENGTH_MAX)
                _clean_json_text(key, f"{path}.{key}" if path else key)
                stack.append((item, depth + 1, f"{path}.{key}" if path else key))
        elif isinstance(node, list):
            stack.extend((item, depth + 1, f"{path}[{i}]") for i, item in enumerate(node))
        elif isinstance(node, str):
            _clean_json_text(node, path)
            if len(node) > JSON_STRING_LENGTH_MAX:
                raise _refuse(
                    "json_string", "{path}: at most {limit} characters", path=path[:80], limit=JSON_STRING_LENGTH_MAX
                )
        elif isinstance(node, bool) or node is None:
            pass
        elif isinstance(node, int):
            if abs(node) > JSON_INT_MAX:
                raise _refuse("json_number", "{path}: integers up to {limit}", path=path[:80], limit=JSON_INT_MAX)
        elif isinstance(node, float):
            raise _refuse("json_float", '{path}: write numbers as strings ("0.9"), not floats', path=path[:80])
        else:
            raise _refuse("json_value", "{path}: {kind} is not a JSON value", path=path[:80], kind=_kind_of(node))
    return value


def _clean_json_text(text: str, path: str) -> None:
    try:
        check_clean(text)
    except PydanticCustomError:
        raise _refuse("control_character", "{path}: text may hold no control characters", path=path[:80]) from None


JsonObject = Annotated[
    dict[str, Any],
    BeforeValidator(_json_object),
    WithJsonSchema({"type": "object", "description": f"JSON, at most {JSON_DEPTH_MAX} levels deep"}),
]

RefList = Annotated[list[Ref], Field(min_length=1, max_length=1000)]

__all__ = [
    "COMMAND_ID_PATTERN",
    "MONEY_PATTERN",
    "REF_PATTERN",
    "AuditReasonName",
    "BudgetFundName",
    "CommandId",
    "Day",
    "Flag",
    "IdCardNo",
    "JsonObject",
    "Label",
    "Measurement",
    "Moment",
    "Money",
    "PayerName",
    "PaymentStatusName",
    "PersonName",
    "PovertyStatusName",
    "Reading",
    "Reason",
    "Ref",
    "RefList",
    "RunFundName",
    "Text",
    "TierName",
    "Version",
    "VisitKindName",
    "Year",
    "check_id_card_no",
]


# ---- API clients (service.commands.api_clients) ---------------------------------------------------
TOKEN_DIGEST_PATTERN = "^[0-9a-f]{64}$"
_TOKEN_DIGEST = _compiled(TOKEN_DIGEST_PATTERN)


def _token_digest(value: object) -> str:
    if not isinstance(value, str) or _TOKEN_DIGEST.fullmatch(value) is None:
        raise _refuse("token_digest", "give the token's SHA-256 as 64 lowercase hex digits, never the token")
    return value


TokenDigest = Annotated[
    str, BeforeValidator(_token_digest), WithJsonSchema({"type": "string", "pattern": TOKEN_DIGEST_PATTERN})
]


RoleName = Annotated[Role, BeforeValidator(_member_of(Role)), _enum_schema(Role)]
__all__ += ["RoleName", "TokenDigest"]
__all__ += ["Share"]

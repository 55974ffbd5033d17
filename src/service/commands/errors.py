"""How a command that does not fit its model is refused: one list of `{field, location, message}` for every path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from domain.errors import ValidationError

_REGISTRY_DECIDES = "not accepted: send hospital_code only; the ledger reads tier and flags from the hospital registry"
_CATALOGUE_DECIDES = (
    "not accepted: the ledger classifies a charge line against the catalogue (send item_code, quantity, "
    "unit_price; pre-classified legacy lines: post_legacy_charge_line, admin only)"
)
LEDGER_DECIDED = {  # fields a client may not declare, because the ledger decides them: why, instead of "unknown field"
    **dict.fromkeys(
        ("hospital", "tier", "in_county", "in_province", "designated", "ncms_designated"), _REGISTRY_DECIDES
    ),
    **dict.fromkeys(("compliant", "amount", "compliant_amount", "over_limit", "out_of_catalogue"), _CATALOGUE_DECIDES),
}


class InvalidCommandError(ValidationError):
    """A command that does not fit its model. `errors` lists each field and what is wrong with it."""

    title = "Invalid request"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(_named(e["field"], e["message"]) for e in errors))
        self.errors = errors


def field_errors(
    exc: PydanticValidationError, *, strip_tag: bool = False, location: str = "body"
) -> list[dict[str, str]]:
    """pydantic's errors as `{field, location, message}` (one spelling for routes, batches and imports)."""
    out = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error.get("loc", ())]
        if strip_tag and loc:
            loc = loc[1:]  # the union's tag: the command name
        out.append({"field": ".".join(loc), "location": location, "message": error_message(error)})
    return out


def error_message(error: Mapping[str, Any]) -> str:
    kind, ctx = error.get("type"), error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "extra_forbidden":
        loc = error.get("loc") or ("",)
        return LEDGER_DECIDED.get(str(loc[-1]), "unknown field")
    if kind == "missing":
        return "missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):  # the same words on a route and in a batch
        return "give an object"
    return str(error.get("msg"))


def _named(field: str, message: str) -> str:
    return message if not field or message.startswith(f"{field}:") else f"{field}: {message}"

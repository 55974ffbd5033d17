"""How a command that does not fit its model is refused: one list of `{field, location, message}` for every path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from domain.errors import ValidationError


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
        return "unknown field"
    if kind == "missing":
        return "missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):  # the same words on a route and in a batch
        return "give an object"
    return str(error.get("msg"))


def _named(field: str, message: str) -> str:
    return message if not field or message.startswith(f"{field}:") else f"{field}: {message}"

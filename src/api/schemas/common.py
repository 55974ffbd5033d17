"""Value types shared by the response bodies: money out is a string with two places, never a float.

Request bodies are not written here: each write route's body is generated from its command model
(service.commands; api.routes.command_route), so a route and a batch take exactly the same fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, PlainSerializer, WithJsonSchema

from api.responses import decimal_text

MONEY_OUT_SCHEMA = {"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["16830.00"], "description": "yuan"}

Money = Annotated[Decimal, PlainSerializer(decimal_text, return_type=str), WithJsonSchema(MONEY_OUT_SCHEMA)]
DecimalText = Annotated[Decimal, PlainSerializer(str, return_type=str), WithJsonSchema({"type": "string"})]
# A signed amount (a payer's change); two places like `Money`.
Delta = Annotated[
    Decimal,
    PlainSerializer(decimal_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "examples": ["-4500.00"]}),
]


class WrittenPublic(BaseModel):
    """The aggregate a command wrote, at its new version."""

    id: str
    version: int

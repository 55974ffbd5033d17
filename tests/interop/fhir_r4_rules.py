"""The FHIR R4 (4.0.1) rules an ExplanationOfBenefit must meet, written from the specification.

Cardinality 1..1 / 1..* of the resource and of the backbone elements the ledger uses, the required
value sets (status, use, outcome), and the shapes of the data types involved (CodeableConcept,
Reference, Money, dateTime, positiveInt, id). `r4_problems` lists every rule a resource breaks.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

REQUIRED = (
    "resourceType",
    "status",
    "type",
    "use",
    "patient",
    "created",
    "insurer",
    "provider",
    "outcome",
    "insurance",
)
STATUS = {"active", "cancelled", "draft", "entered-in-error"}
USE = {"claim", "preauthorization", "predetermination"}
OUTCOME = {"queued", "complete", "error", "partial"}
ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def r4_problems(eob: dict[str, Any]) -> list[str]:
    problems = [f"missing {name}" for name in REQUIRED if eob.get(name) in (None, "", [], {})]
    if problems:
        return problems
    if eob["resourceType"] != "ExplanationOfBenefit":
        problems.append("resourceType")
    if "id" in eob and not ID.match(eob["id"]):
        problems.append(f"id {eob['id']!r}")
    for name, allowed in (("status", STATUS), ("use", USE), ("outcome", OUTCOME)):
        if eob[name] not in allowed:
            problems.append(f"{name} {eob[name]!r} is not in the required value set")
    problems += _concept("type", eob["type"])
    for name in ("patient", "insurer", "provider"):
        problems += _reference(name, eob[name])
    if not isinstance(eob["created"], str) or not DATE_TIME.match(eob["created"]):
        problems.append(f"created {eob['created']!r} is not a dateTime with a time zone")
    for n, insurance in enumerate(eob["insurance"]):
        if not isinstance(insurance.get("focal"), bool):
            problems.append(f"insurance[{n}].focal")
        problems += _reference(f"insurance[{n}].coverage", insurance.get("coverage"))
    sequences = []
    for n, item in enumerate(eob.get("item", [])):
        sequences.append(item.get("sequence"))
        if not isinstance(item.get("sequence"), int) or isinstance(item.get("sequence"), bool) or item["sequence"] < 1:
            problems.append(f"item[{n}].sequence is not a positiveInt")
        problems += _concept(f"item[{n}].productOrService", item.get("productOrService"))
        if "servicedDate" in item and not DATE.match(item["servicedDate"]):
            problems.append(f"item[{n}].servicedDate")
        if "net" in item:
            problems += _money(f"item[{n}].net", item["net"])
        problems += _adjudications(f"item[{n}].adjudication", item.get("adjudication", []))
    if len(set(sequences)) != len(sequences):
        problems.append("item sequences are not unique")
    problems += _adjudications("adjudication", eob.get("adjudication", []))
    for n, total in enumerate(eob.get("total", [])):
        problems += _concept(f"total[{n}].category", total.get("category"))
        problems += _money(f"total[{n}].amount", total.get("amount"))
    if "payment" in eob:
        for name in ("amount", "adjustment"):
            if name in eob["payment"]:
                problems += _money(f"payment.{name}", eob["payment"][name])
    return problems


def _concept(where: str, value: Any) -> list[str]:
    if not isinstance(value, dict) or not (value.get("coding") or value.get("text")):
        return [f"{where} is not a CodeableConcept"]
    return [
        f"{where}.coding[{n}]"
        for n, c in enumerate(value.get("coding", []))
        if not (isinstance(c.get("system"), str) and isinstance(c.get("code"), str) and c["code"].strip())
    ]


def _reference(where: str, value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} is not a Reference"]
    identifier = value.get("identifier")
    if value.get("reference"):
        return []
    if isinstance(identifier, dict) and identifier.get("system") and identifier.get("value"):
        return []
    return [f"{where} names nothing (reference or identifier)"]


def _money(where: str, value: Any) -> list[str]:
    if not isinstance(value, dict) or not isinstance(value.get("value"), Decimal):
        return [f"{where} is not Money with a decimal value"]
    if not re.fullmatch(r"[A-Z]{3}", str(value.get("currency", ""))):
        return [f"{where}.currency"]
    return []


def _adjudications(where: str, entries: list[dict[str, Any]]) -> list[str]:
    problems = []
    for n, entry in enumerate(entries):
        problems += _concept(f"{where}[{n}].category", entry.get("category"))
        if "amount" in entry:
            problems += _money(f"{where}[{n}].amount", entry["amount"])
    return problems

"""The benefit-year account (`BenefitYearPublic`) as JSON bytes, written straight from the folded history.

`benefit_year_body` gives exactly the bytes the response model gave (`BenefitYearPublic.of(history)`
dumped in JSON mode, then `OrjsonResponse`): the same keys in the same order, money as
`decimal_text`, ratios as `str`, a settlement's payer total and patient share as
`domain.rules.settlement.Settlement` computes them, and the keys the model does not publish left out.
It skips building and validating the model (a 50-admission year has about 3,000 amounts), which was
most of the replay route's time. tests/api/test_benefit_year_body.py holds it to the model's bytes.

`BenefitYearBodies` keeps the latest body of recently read years, keyed on the stream's version:
events are immutable, so a body at version v stays right until an event v+1 is appended; each read
first asks the store for the stream's last version (one indexed query) and folds again only when it moved.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

from api.responses import decimal_text
from domain import ids
from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.money import ZERO
from service.ledger import BenefitLedger

_DECIMAL = TypeAdapter(Decimal)  # what the model did with a stored amount that is not already a Decimal
_PLAIN = (str, bool, int, type(None))


def _decimal(value: Any) -> Decimal:
    return value if type(value) is Decimal else _DECIMAL.validate_python(value)


def _money(value: Any) -> str:
    return decimal_text(value if type(value) is Decimal else _DECIMAL.validate_python(value))


def _money_or_none(value: Any) -> str | None:
    return None if value is None else _money(value)


def _ratio(value: Any) -> str | None:  # DecimalText: str(Decimal), the published digits
    return None if value is None else str(_decimal(value))


def _any(value: dict[str, Any]) -> dict[str, Any]:
    """A `dict[str, Any]` field (the hospital as settled) as pydantic's JSON mode writes it."""
    if all(type(item) in _PLAIN for item in value.values()):
        return dict(value)
    return dict(to_jsonable_python(value))


def _layer(layer: dict[str, Any]) -> dict[str, Any]:
    return {
        "payer": layer["payer"],
        "amount": _money(layer["amount"]),
        "eligible": layer["eligible"],
        "base": _money(layer["base"]),
        "threshold": _money_or_none(layer.get("threshold")),
        "ratio": _ratio(layer.get("ratio")),
        "cap": _money_or_none(layer.get("cap")),
        "paid_before": _money(layer["paid_before"]),
        "explanation": layer["explanation"],
    }


def _settlement(data: dict[str, Any]) -> dict[str, Any]:
    """`SettlementPublic`: payer total = the layers' amounts summed from 0.00, patient share = compliant +
    non-compliant part (as `Settlement.payer_total` and `Settlement.patient_share`)."""
    payer_total = ZERO
    for layer in data["layers"]:
        payer_total += Decimal(layer["amount"])
    return {
        "claim_id": data["claim_id"],
        "policy_version": data["policy_version"],
        "service_date": data["service_date"],
        "total": _money(data["total"]),
        "compliant": _money(data["compliant"]),
        "layers": [_layer(layer) for layer in data["layers"]],
        "payer_total": decimal_text(payer_total),
        "patient_compliant": _money(data["patient_compliant"]),
        "patient_noncompliant": _money(data["patient_noncompliant"]),
        "patient_share": decimal_text(Decimal(data["patient_compliant"]) + Decimal(data["patient_noncompliant"])),
        "hospital_borne": _money(data["hospital_borne"]),
        "hospital_borne_explanation": data["hospital_borne_explanation"],
    }


def _claim(claim: dict[str, Any]) -> dict[str, Any]:
    return {
        "claim_id": claim["claim_id"],
        "kind": claim["kind"],
        "tier": claim["tier"],
        "in_county": claim["in_county"],
        "in_province": claim["in_province"],
        "designated": claim["designated"],
        "referred": claim["referred"],
        "service_date": claim["service_date"],
        "total": _money(claim["total"]),
        "compliant": _money(claim["compliant"]),
        "poverty_status": claim["poverty_status"],
        "chronic_certified": claim["chronic_certified"],
        "major_diseases": list(claim["major_diseases"]),
    }


def _record(record: dict[str, Any]) -> dict[str, Any]:
    owed, paid = _decimal(record["compensation_owed"]), _decimal(record["compensation_paid"])
    settled = _settlement(record["settlement"])  # "current" is the same event's dict until a recalculation
    return {
        "settlement_id": record["settlement_id"],
        "admission_ref": record["admission_ref"],
        "hospital": _any(record["hospital"]),
        "settled_at": record["settled_at"],
        "recorded_at": record.get("recorded_at"),
        "patient_version": record["patient_version"],
        "admission_version": record["admission_version"],
        "policy_version": record["policy_version"],
        "claim": _claim(record["claim"]),
        "settlement": settled,
        "current": settled if record["current"] is record["settlement"] else _settlement(record["current"]),
        "compensation_owed": decimal_text(owed),
        "compensation_paid": decimal_text(paid),
        "compensation_outstanding": decimal_text(max(ZERO, owed - paid)),  # BenefitYearHistory's rule
        "current_lines": _lines((record.get("current_facts") or {}).get("lines")),
    }


def _lines(lines: dict[str, Any] | None) -> dict[str, Any] | None:
    """The lines a recalculation re-classified (`current_lines`, a `dict[str, Any]` field), or None."""
    return None if lines is None else _any(lines)


def benefit_year_json(history: BenefitYearHistory) -> dict[str, Any]:
    """`BenefitYearPublic.of(history)` in JSON mode, built directly."""
    state = history.state or {}
    return {
        "patient_ref": history.patient_ref,
        "year": history.year,
        "county_code": history.county_code,
        "version": history.version,
        "recalculations": history.recalculations,
        "settlements": [_record(record) for record in history.settlements],
        "accumulators": {key: _money(value) for key, value in state.get("amounts", {}).items()},
        "labels": dict(state.get("labels", {})),
    }


def benefit_year_body(history: BenefitYearHistory) -> bytes:
    """The response body of GET /patients/{ref}/years/{year} (also with `as_of`)."""
    return orjson.dumps(benefit_year_json(history))


# ---- the latest body of recently read years ------------------------------------------------------
@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = 0
    body: bytes = b""


class BenefitYearBodies:
    """Bodies of recently read patient-years at their stream's version (least recently read dropped first,
    at most `max_bytes` in all; 0 keeps none). Safe across threads: one lock per year while it is read."""

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[UUID, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self.folds = 0  # how many reads folded the year (the others answered from a kept body)

    def body(self, ledger: BenefitLedger, patient_ref: str, year: int) -> tuple[bytes, int]:
        """The year's body and version as of now (NotFoundError when it has no events)."""
        if self.max_bytes <= 0:
            return self._fold(ledger, patient_ref, year)
        key = ids.benefit_year_id(patient_ref, year)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
            else:
                self._entries.move_to_end(key)
        with entry.lock:
            head = ledger.recorder.select_events(key, desc=True, limit=1)
            if entry.body and head and head[0].originator_version == entry.version:
                return entry.body, entry.version
            try:
                body, version = self._fold(ledger, patient_ref, year)
            except BaseException:
                self._drop(key, entry)
                raise
            self._keep(key, entry, body, version)
            return body, version

    def _fold(self, ledger: BenefitLedger, patient_ref: str, year: int) -> tuple[bytes, int]:
        history = ledger.get_benefit_year(patient_ref, year)
        self.folds += 1
        return benefit_year_body(history), history.version

    def _keep(self, key: UUID, entry: _Entry, body: bytes, version: int) -> None:
        with self._lock:
            if self._entries.get(key) is not entry:
                return  # dropped (evicted) while folding: answer without keeping
            self._bytes += len(body) - len(entry.body)
            entry.body, entry.version = body, version
            while self._bytes > self.max_bytes and self._entries:
                _, oldest = self._entries.popitem(last=False)
                self._bytes -= len(oldest.body)

    def _drop(self, key: UUID, entry: _Entry) -> None:
        with self._lock:
            if self._entries.get(key) is entry:
                del self._entries[key]
                self._bytes -= len(entry.body)

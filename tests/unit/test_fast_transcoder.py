"""service.fast_transcoder writes and reads exactly what the library's JSONTranscoder does (bytes and values),
on generated values (every JSON shape, Decimal, datetime, UUID, floats, subclasses, odd strings, big ints) and
on the stored events of a seeded county."""

from __future__ import annotations

import math
from datetime import UTC, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.fast_transcoder import FastJSONTranscoder


class Colour(str, Enum):
    RED = "red"


def library() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


LIB = library()
FAST = FastJSONTranscoder.like(LIB)
assert isinstance(FAST, FastJSONTranscoder)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=8))])),
    st.uuids(),
    st.floats(),
    st.just(Colour.RED),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=20,
)


def outcome(call: Any) -> tuple[str, Any]:
    try:
        return ("ok", call())
    except Exception as e:  # both must fail alike
        return ("error", type(e))


def same_values(a: Any, b: Any) -> bool:
    """Equal, with Decimal compared by its text (exponent too) and NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_values(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal):
        return str(a) == str(b)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@settings(max_examples=400, deadline=None)
@given(values)
def test_encodes_byte_for_byte_like_the_library(value: Any) -> None:
    assert outcome(lambda: FAST.encode(value)) == outcome(lambda: LIB.encode(value))


@settings(max_examples=400, deadline=None)
@given(values)
def test_decodes_what_the_library_wrote_to_the_same_values(value: Any) -> None:
    kind, data = outcome(lambda: LIB.encode(value))
    if kind == "ok":
        assert same_values(FAST.decode(data), LIB.decode(data))


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":NaN}',
        b'{"a":123456789012345678901234567890}',
        b'{"a":"\\ud800"}',
        b'{"_type_":"nope","_data_":1}',
        b'{"_type_":"decimal_str","_data_":"1.50"}',
        b'[{"_type_":"decimal_str"},{"_type_":"decimal_str","_data_":"2","x":1}]',
        b'{"a":1,"a":2}',
        b"not json",
        b"\xff",
    ],
)
def test_odd_inputs_decode_or_fail_as_in_the_library(data: bytes) -> None:
    fast, lib = outcome(lambda: FAST.decode(data)), outcome(lambda: LIB.decode(data))
    assert fast[0] == lib[0]
    assert same_values(fast[1], lib[1]) if fast[0] == "ok" else fast[1] == lib[1]


def test_a_seeded_countys_stored_events_round_trip_as_in_the_library() -> None:
    from generator.load import load_plan
    from generator.model import generate_county_year
    from service.ledger import BenefitLedger

    ledger = BenefitLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    load_plan(ledger, generate_county_year(seed=3, scale=0.01, months=2))
    notifications = ledger.recorder.select_notifications(start=1, limit=1 << 30)
    assert len(notifications) > 100
    for notification in notifications:
        decoded = FAST.decode(notification.state)
        assert same_values(decoded, LIB.decode(notification.state))
        assert FAST.encode(decoded) == LIB.encode(decoded) == notification.state
    assert isinstance(FAST.decode(b'{"_type_":"uuid_hex","_data_":"' + UUID(int=7).hex.encode() + b'"}'), UUID)


class Checked(FastJSONTranscoder):
    """The ledger's transcoder, asking the library too for every value the command path encodes or decodes:
    the objects themselves (tuples, str enums, ... as the handlers built them), not their decoded copies."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded = self.decoded = 0
        self.differences: list[tuple[str, Any, Any]] = []

    def encode(self, obj: Any) -> bytes:
        data, expected = outcome(lambda: super(Checked, self).encode(obj)), outcome(lambda: LIB.encode(obj))
        self.encoded += 1
        if data != expected:
            self.differences.append(("encode", obj, (data, expected)))
        if data[0] == "error":
            return LIB.encode(obj)  # raises the library's error
        value: bytes = data[1]
        return value

    def decode(self, data: bytes) -> Any:
        value, expected = super().decode(data), LIB.decode(data)
        self.decoded += 1
        if not same_values(value, expected):
            self.differences.append(("decode", data, (value, expected)))
        return value


def test_the_ledger_encodes_and_decodes_with_the_fast_transcoder() -> None:
    from service.ledger import BenefitLedger

    ledger = BenefitLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    assert type(ledger.mapper.transcoder) is FastJSONTranscoder
    assert set(ledger.mapper.transcoder.names) == set(LIB.names)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=100_000))
def test_every_state_the_command_path_stores_is_the_librarys_bytes(seed: int) -> None:
    """The demo's worked examples (Langxi §2.3, 琼中), its policies and catalogues, and a generated county
    through the real commands: each event and snapshot state is encoded by the fast transcoder exactly as
    the library encodes the same object, every read decodes to the library's values, and what is stored
    re-encodes to itself (so hash chains, which cover the stored bytes, and replays are unchanged)."""
    from cli.demo import publish_shipped_catalogues, settle_worked_example
    from cli.demo_hainan import settle_hainan_example
    from generator.load import load_plan
    from generator.model import generate_county_year
    from service.ledger import BenefitLedger

    ledger = BenefitLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    checked = Checked.like(LIB)
    assert isinstance(checked, Checked)
    ledger.mapper.transcoder = checked
    ledger.publish_default_policies()
    publish_shipped_catalogues(ledger)
    settle_worked_example(ledger)
    settle_hainan_example(ledger)
    load_plan(ledger, generate_county_year(seed=seed, scale=0.01, months=2))
    assert checked.differences == []
    assert checked.encoded > 500
    assert checked.decoded > 100
    notifications = ledger.recorder.select_notifications(start=1, limit=1 << 30)
    assert len(notifications) > 500
    for notification in notifications:
        assert LIB.encode(LIB.decode(notification.state)) == notification.state

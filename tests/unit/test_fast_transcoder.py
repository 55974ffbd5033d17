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
from hypothesis import given, settings
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
    fast = FastJSONTranscoder.like(ledger.mapper.transcoder)
    assert isinstance(fast, FastJSONTranscoder)
    notifications = ledger.recorder.select_notifications(start=1, limit=1 << 30)
    assert len(notifications) > 100
    for notification in notifications:
        decoded = fast.decode(notification.state)
        assert same_values(decoded, ledger.mapper.transcoder.decode(notification.state))
        assert fast.encode(decoded) == ledger.mapper.transcoder.encode(decoded) == notification.state
    assert isinstance(fast.decode(b'{"_type_":"uuid_hex","_data_":"' + UUID(int=7).hex.encode() + b'"}'), UUID)

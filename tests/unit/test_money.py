"""Money: amounts are Decimal yuan with exactly two places; to_fen rounds half up; parse_amount is strict."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.money import AMOUNT_YUAN_MAX, FEN, ZERO, InvalidAmountError, is_fen, money_sum, parse_amount, to_fen


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.125", "0.13"),
        ("0.005", "0.01"),
        ("2.675", "2.68"),
        ("0.004", "0.00"),
        ("0.0049999", "0.00"),
        ("1.115", "1.12"),
        ("16830", "16830.00"),
        ("11682.000", "11682.00"),
        ("99999999.995", "100000000.00"),
    ],
)
def test_to_fen_rounds_half_up_to_two_places(value, expected):
    result = to_fen(Decimal(value))

    assert result == Decimal(expected)
    assert str(result) == expected
    assert result.as_tuple().exponent == -2


def test_to_fen_rounds_a_half_away_from_zero_for_negative_differences():
    assert to_fen(Decimal("-0.125")) == Decimal("-0.13")


def test_to_fen_refuses_floats():
    with pytest.raises(AssertionError):
        to_fen(2.675)  # type: ignore[arg-type]


def test_to_fen_is_idempotent_on_fen_amounts():
    assert to_fen(Decimal("2788.00")) == Decimal("2788.00")
    assert to_fen(to_fen(Decimal("0.125"))) == Decimal("0.13")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.3", "12.30"),
        ("12", "12.00"),
        (12, "12.00"),
        ("12.34", "12.34"),
        (" 7.5 ", "7.50"),
        ("0", "0.00"),
        (0, "0.00"),
        (Decimal("3.1"), "3.10"),
        ("1E+2", "100.00"),
        (str(AMOUNT_YUAN_MAX), "100000000.00"),
    ],
)
def test_parse_amount_accepts_strings_integers_and_decimals_and_gives_exponent_minus_2(raw, expected):
    result = parse_amount(raw, field="total")

    assert result == Decimal(expected)
    assert str(result) == expected
    assert result.as_tuple().exponent == -2
    assert is_fen(result)


@pytest.mark.parametrize(
    "raw",
    [
        12.3,  # float
        12.0,  # float, even when whole
        True,  # bool is not a number of yuan
        "-1",
        -5,
        "-0.01",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "1.234",
        "0.001",
        "abc",
        "",
        "12,3",
        None,
        "100000000.01",  # above AMOUNT_YUAN_MAX
    ],
)
def test_parse_amount_refuses_bad_input_naming_the_field(raw):
    with pytest.raises(InvalidAmountError) as excinfo:
        parse_amount(raw, field="compliant")

    assert str(excinfo.value).startswith("compliant:")


def test_parse_amount_names_amount_when_no_field_is_given():
    with pytest.raises(InvalidAmountError, match="^amount:"):
        parse_amount("1.234")


def test_invalid_amount_error_is_a_value_error():
    assert issubclass(InvalidAmountError, ValueError)


def test_money_sum_is_exact_and_keeps_two_places_for_an_empty_sum():
    assert money_sum([]) == ZERO
    assert str(money_sum([])) == "0.00"
    assert money_sum([Decimal("0.10")] * 10) == Decimal("1.00")
    assert money_sum([Decimal("16830.00"), Decimal("49700.00")]) == Decimal("66530.00")


def test_is_fen_is_true_only_for_decimals_with_exponent_minus_2():
    assert is_fen(Decimal("1.00"))
    assert is_fen(FEN)
    assert not is_fen(Decimal("1"))
    assert not is_fen(Decimal("1.000"))
    assert not is_fen(1.0)  # type: ignore[arg-type]

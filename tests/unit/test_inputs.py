"""The input rules (services/inputs.py): one parser per kind of input, text normalisation."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_app.services import inputs
from audit_app.services.inputs import InputError


@pytest.mark.parametrize("raw", ["1e26", "1e400", "1E5", "9" * 30, "1_000", "١٢", "１２", "²",
                                 "NaN", "Infinity", "-inf", "12.345", "0x10", " ", "1,2,3"])
def test_decimals_refuse_what_the_column_cannot_hold(raw):
    if not raw.strip():
        assert inputs.parse_decimal(raw) is None
        return
    with pytest.raises(InputError):
        inputs.parse_decimal(raw)


@pytest.mark.parametrize("raw, value", [("3200", Decimal("3200")), ("87,5", Decimal("87.5")),
                                        (" -12.25 ", Decimal("-12.25")), (3200, Decimal(3200)),
                                        (87.5, Decimal("87.5")), ("999999999999.99",
                                                                  Decimal("999999999999.99"))])
def test_decimals_accept_plain_numbers(raw, value):
    assert inputs.parse_decimal(raw) == value


@pytest.mark.parametrize("raw", [1e26, float("inf"), float("nan"), 10 ** 12, True])
def test_decimals_refuse_json_numbers_outside_the_column(raw):
    with pytest.raises(InputError):
        inputs.parse_decimal(raw)


@pytest.mark.parametrize("raw", ["²", "³", "١", "３", "1_0", "0x1", "1.0", "-", "+", "9" * 40])
def test_points_are_ascii_digits_only(raw):
    with pytest.raises(InputError):
        inputs.parse_points(raw)


def test_points_and_whole_numbers():
    assert inputs.parse_points(" 3 ") == 3 and inputs.parse_points("") is None
    assert inputs.parse_whole("8.400", grouping=True) == 8400
    with pytest.raises(InputError):
        inputs.parse_whole("1_000")
    with pytest.raises(InputError):
        inputs.parse_whole("٣٤")


@pytest.mark.parametrize("raw, page", [(None, 1), ("", 1), ("abc", 1), ("0", 1), ("-3", 1),
                                       ("7", 7), ("99999999999999999999", inputs.MAX_PAGE),
                                       ("²", 1), ("１", 1), ("1e3", 1)])
def test_page_numbers_never_fail(raw, page):
    assert inputs.parse_page(raw) == page


def test_json_nesting_and_constants_are_refused_without_recursion():
    with pytest.raises(inputs.JsonRefused) as deep:
        inputs.parse_json(b"[" * 100_000)
    assert deep.value.code == "too_deep"
    with pytest.raises(inputs.JsonRefused) as nan:
        inputs.parse_json(b'{"value": NaN}')
    assert nan.value.code == "malformed_json"
    assert inputs.parse_json('{"a": "[[[[", "b": [1, [2]]}'.encode()) == {"a": "[[[[", "b": [1, [2]]}


def test_text_is_normalised_and_checked():
    assert inputs.clean_text("Go\u0308ttingen", "centre.name") == "Göttingen"
    for bad in ("Nord\x00stadt", "A\x07B"):
        with pytest.raises(InputError):
            inputs.clean_text(bad, "centre.name")
    for spoof in ("Gründer\u202ezentrum", "Tech\u200bnologie", "\ufeffZentrum"):
        with pytest.raises(InputError):
            inputs.clean_text(spoof, "centre.name", name=True)
        assert inputs.text_problem(spoof, name=False) is None  # free text may quote them
    assert inputs.clean_text("Zeile 1\r\nZeile 2", "answer.comment") == "Zeile 1\r\nZeile 2"
    with pytest.raises(InputError):
        inputs.clean_text("x" * (inputs.LIMITS["centre.name"] + 1), "centre.name")


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text())
def test_no_parser_fails_otherwise_than_by_refusing(raw):
    for parse in (inputs.parse_decimal, inputs.parse_points, inputs.parse_day,
                  lambda r: inputs.clean_text(r, "answer.comment"),
                  lambda r: inputs.parse_json(r.encode("utf-8", "surrogatepass"))):
        try:
            parse(raw)
        except InputError:
            pass
    assert 1 <= inputs.parse_page(raw) <= inputs.MAX_PAGE

"""GB 11643-1999 ID numbers and the masking of personal data."""

import unicodedata
from datetime import date

import pytest

from workflow_app.core.idnumber import InvalidIdNumber, mask_id_number, mask_phone, parse_id_number

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(("raw", "born", "gender"), [
    ("11010519491231002X", date(1949, 12, 31), "female"),  # the standard's own examples
    ("440524188001010014", date(1880, 1, 1), "male"),
    ("11010519491231002x", date(1949, 12, 31), "female"),  # lowercase x is accepted
    (" 440524188001010014 ", date(1880, 1, 1), "male"),
    ("４４０５２４１８８００１０１００１４", date(1880, 1, 1), "male"),  # full-width digits from an IME
])
def test_valid_numbers_parse_with_birth_date_and_gender(raw, born, gender):
    parsed = parse_id_number(raw, today=TODAY)
    assert (parsed.birth_date, parsed.gender) == (born, gender)
    assert parsed.value == unicodedata.normalize("NFKC", raw).strip().upper()
    assert parsed.value.isascii()


@pytest.mark.parametrize("raw", [
    "110105194912310021",   # wrong check character
    "11010519491231002",    # 17 characters
    "1101051949123100211",  # 19 characters
    "11010519490230002X",   # 30 February
    "11010520991231002X",   # born in the future
    "1101051949123100AX",   # letters inside
    "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",   # Arabic-Indic digits are digits to Python, not to the standard
    "",
])
def test_invalid_numbers_are_refused_with_a_reason(raw):
    with pytest.raises(InvalidIdNumber) as error:
        parse_id_number(raw, today=TODAY)
    assert str(error.value)


def test_a_future_birth_date_with_a_correct_check_character_is_refused():
    from workflow_app.core.idnumber import check_character

    first17 = "41162420301231001"
    with pytest.raises(InvalidIdNumber):
        parse_id_number(first17 + check_character(first17), today=TODAY)


def test_masking_keeps_only_the_ends():
    assert mask_id_number("411624198506150014") == "4116**********0014"
    assert mask_id_number(None) == ""
    assert mask_phone("13803941234") == "138****1234"
    assert mask_phone("0394-5212345") == "********2345"

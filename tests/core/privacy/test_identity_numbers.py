"""Swedish and Norwegian personal identity numbers found (shape and check digits) and
masked."""

from __future__ import annotations

import pytest

from distans.core.privacy.identity_numbers import find_identity_numbers, mask_identity_numbers


@pytest.mark.parametrize(
    "text",
    [
        "811218-9876",
        "19811218-9876",
        "198112189876",
        "8112189876",
        "811218+9876",  # 100 years or older
        "811278-9873",  # samordningsnummer (day + 60)
        "15076500565",  # Norwegian fødselsnummer
        "150765 00565",
        "55076500559",  # D-nummer (day + 40)
    ],
)
def test_valid_numbers_are_found(text: str) -> None:
    found = find_identity_numbers(f"Mitt nummer är {text}, tack.")
    assert len(found) == 1 and found[0].text == text


@pytest.mark.parametrize(
    "text",
    [
        "811218-9875",  # wrong Luhn digit
        "811318-9876",  # month 13
        "15076500566",  # wrong second check digit
        "Ordernummer 12345678901",
        "Ärende 2026-11-23",
        "tel 0701234567",
        "1811218-98765",  # part of a longer number
    ],
)
def test_lookalikes_are_left_alone(text: str) -> None:
    assert find_identity_numbers(text) == []
    assert mask_identity_numbers(text) == text


def test_masking_keeps_the_text_and_separators() -> None:
    text = "Hej, jag heter Åsa (19811218-9876) och min man har 15076500565."
    assert mask_identity_numbers(text) == "Hej, jag heter Åsa (********-****) och min man har ***********."
    assert mask_identity_numbers("") == ""


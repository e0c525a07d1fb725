"""Easter and the built-in Swedish and Norwegian holiday calendars against published dates."""

from datetime import date

import pytest

from distans.core.calendar import easter_sunday, holidays_for, norwegian_holidays, swedish_holidays
from distans.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2019, date(2019, 4, 21)),
        (2000, date(2000, 4, 23)),
        (1818, date(1818, 3, 22)),  # earliest possible date
        (2285, date(2285, 3, 22)),
        (1943, date(1943, 4, 25)),  # latest possible date
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday_matches_published_dates(year: int, expected: date) -> None:
    assert easter_sunday(year) == expected


def test_easter_before_gregorian_reform_is_refused() -> None:
    with pytest.raises(InvalidInput):
        easter_sunday(1500)


def test_swedish_holidays_2026() -> None:
    by_key = {h.key: h.on for h in swedish_holidays(2026)}
    assert by_key == {
        "se_nyarsdagen": date(2026, 1, 1),
        "se_trettondedag_jul": date(2026, 1, 6),
        "se_langfredagen": date(2026, 4, 3),
        "se_paskdagen": date(2026, 4, 5),
        "se_annandag_pask": date(2026, 4, 6),
        "se_forsta_maj": date(2026, 5, 1),
        "se_kristi_himmelsfard": date(2026, 5, 14),
        "se_pingstdagen": date(2026, 5, 24),
        "se_nationaldagen": date(2026, 6, 6),
        "se_midsommarafton": date(2026, 6, 19),
        "se_midsommardagen": date(2026, 6, 20),
        "se_alla_helgons_dag": date(2026, 10, 31),
        "se_julafton": date(2026, 12, 24),
        "se_juldagen": date(2026, 12, 25),
        "se_annandag_jul": date(2026, 12, 26),
        "se_nyarsafton": date(2026, 12, 31),
    }


@pytest.mark.parametrize(
    ("year", "midsummer_eve", "all_saints"),
    [
        (2024, date(2024, 6, 21), date(2024, 11, 2)),
        (2025, date(2025, 6, 20), date(2025, 11, 1)),
        (2027, date(2027, 6, 25), date(2027, 11, 6)),
        (2021, date(2021, 6, 25), date(2021, 11, 6)),
    ],
)
def test_swedish_moving_saturday_and_friday_holidays(
    year: int, midsummer_eve: date, all_saints: date
) -> None:
    by_key = {h.key: h for h in swedish_holidays(year)}
    assert by_key["se_midsommarafton"].on == midsummer_eve
    assert by_key["se_midsommarafton"].de_facto
    assert by_key["se_midsommardagen"].on.weekday() == 5
    assert by_key["se_alla_helgons_dag"].on == all_saints


def test_norwegian_holidays_2025() -> None:
    by_key = {h.key: h.on for h in norwegian_holidays(2025)}
    assert by_key == {
        "no_nyttarsdag": date(2025, 1, 1),
        "no_skjaertorsdag": date(2025, 4, 17),
        "no_langfredag": date(2025, 4, 18),
        "no_1_paskedag": date(2025, 4, 20),
        "no_2_paskedag": date(2025, 4, 21),
        "no_1_mai": date(2025, 5, 1),
        "no_17_mai": date(2025, 5, 17),
        "no_kristi_himmelfart": date(2025, 5, 29),
        "no_1_pinsedag": date(2025, 6, 8),
        "no_2_pinsedag": date(2025, 6, 9),
        "no_1_juledag": date(2025, 12, 25),
        "no_2_juledag": date(2025, 12, 26),
    }


def test_holidays_have_names_and_are_sorted() -> None:
    days = holidays_for("no", 2026)
    assert [h.on for h in days] == sorted(h.on for h in days)
    assert all(h.name for h in days)


def test_unknown_country_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Unknown holiday calendar"):
        holidays_for("DK", 2026)

"""Swedish and Norwegian public holidays, computed for any year.

Sources: Sweden, *Lag (1989:253) om allmänna helgdagar* (plus the de-facto holidays
midsommarafton, julafton and nyårsafton, on which offices are closed by custom);
Norway, *Lov om helligdager og helligdagsfred* (1995) and *Lov om 1. og 17. mai som
høgtidsdager* (1947). Moving feasts are offsets from Easter Sunday (see easter.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from distans.core.calendar.easter import easter_sunday
from distans.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Holiday:
    """One public holiday: its date, a stable key (``se_midsommarafton``) and its local name.

    ``de_facto`` marks days that are not holidays by law but on which offices close by
    custom (Swedish midsommarafton, julafton, nyårsafton); they are closed by default too.
    """

    on: date
    key: str
    name: str
    de_facto: bool = False


def _first_weekday_between(year: int, month: int, first_day: int, weekday: int) -> date:
    """Return the first date on or after ``year-month-first_day`` with ``weekday`` (Mon=0)."""
    start = date(year, month, first_day)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def swedish_holidays(year: int) -> tuple[Holiday, ...]:
    """Return Sweden's public (and de-facto) holidays of ``year``, sorted by date."""
    easter = easter_sunday(year)
    midsummer_eve = _first_weekday_between(year, 6, 19, 4)  # Friday 19–25 June
    all_saints = _first_weekday_between(year, 10, 31, 5)  # Saturday 31 Oct–6 Nov
    days = [
        Holiday(date(year, 1, 1), "se_nyarsdagen", "Nyårsdagen"),
        Holiday(date(year, 1, 6), "se_trettondedag_jul", "Trettondedag jul"),
        Holiday(easter - timedelta(days=2), "se_langfredagen", "Långfredagen"),
        Holiday(easter, "se_paskdagen", "Påskdagen"),
        Holiday(easter + timedelta(days=1), "se_annandag_pask", "Annandag påsk"),
        Holiday(date(year, 5, 1), "se_forsta_maj", "Första maj"),
        Holiday(easter + timedelta(days=39), "se_kristi_himmelsfard", "Kristi himmelsfärdsdag"),
        Holiday(easter + timedelta(days=49), "se_pingstdagen", "Pingstdagen"),
        Holiday(date(year, 6, 6), "se_nationaldagen", "Sveriges nationaldag"),
        Holiday(midsummer_eve, "se_midsommarafton", "Midsommarafton", de_facto=True),
        Holiday(midsummer_eve + timedelta(days=1), "se_midsommardagen", "Midsommardagen"),
        Holiday(all_saints, "se_alla_helgons_dag", "Alla helgons dag"),
        Holiday(date(year, 12, 24), "se_julafton", "Julafton", de_facto=True),
        Holiday(date(year, 12, 25), "se_juldagen", "Juldagen"),
        Holiday(date(year, 12, 26), "se_annandag_jul", "Annandag jul"),
        Holiday(date(year, 12, 31), "se_nyarsafton", "Nyårsafton", de_facto=True),
    ]
    return tuple(sorted(days, key=lambda h: h.on))


def norwegian_holidays(year: int) -> tuple[Holiday, ...]:
    """Return Norway's public holidays of ``year``, sorted by date."""
    easter = easter_sunday(year)
    days = [
        Holiday(date(year, 1, 1), "no_nyttarsdag", "Nyttårsdag"),
        Holiday(easter - timedelta(days=3), "no_skjaertorsdag", "Skjærtorsdag"),
        Holiday(easter - timedelta(days=2), "no_langfredag", "Langfredag"),
        Holiday(easter, "no_1_paskedag", "1. påskedag"),
        Holiday(easter + timedelta(days=1), "no_2_paskedag", "2. påskedag"),
        Holiday(date(year, 5, 1), "no_1_mai", "1. mai"),
        Holiday(date(year, 5, 17), "no_17_mai", "17. mai"),
        Holiday(easter + timedelta(days=39), "no_kristi_himmelfart", "Kristi himmelfartsdag"),
        Holiday(easter + timedelta(days=49), "no_1_pinsedag", "1. pinsedag"),
        Holiday(easter + timedelta(days=50), "no_2_pinsedag", "2. pinsedag"),
        Holiday(date(year, 12, 25), "no_1_juledag", "1. juledag"),
        Holiday(date(year, 12, 26), "no_2_juledag", "2. juledag"),
    ]
    return tuple(sorted(days, key=lambda h: h.on))


HOLIDAY_CALENDARS: dict[str, Callable[[int], tuple[Holiday, ...]]] = {
    "SE": swedish_holidays,
    "NO": norwegian_holidays,
}


def holidays_for(country: str, year: int) -> tuple[Holiday, ...]:
    """Return the built-in holidays of ``country`` ("SE" or "NO") in ``year``."""
    try:
        compute = HOLIDAY_CALENDARS[country.upper()]
    except KeyError:
        known = ", ".join(sorted(HOLIDAY_CALENDARS))
        raise InvalidInput(f"Unknown holiday calendar {country!r}; known: {known}.") from None
    return compute(year)

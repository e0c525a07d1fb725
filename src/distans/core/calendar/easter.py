"""Easter Sunday in the Gregorian calendar.

Source: the "anonymous Gregorian algorithm" (Meeus/Jones/Butcher), as given in
J. Meeus, *Astronomical Algorithms*, 2nd ed., ch. 8, and Wikipedia "Date of Easter".
"""

from datetime import date

from distans.core.errors import InvalidInput


def easter_sunday(year: int) -> date:
    """Return the date of (Western) Easter Sunday in ``year`` (Gregorian, 1583 or later)."""
    if year < 1583:
        raise InvalidInput(
            f"Easter is only computed for Gregorian years (1583 or later), got {year}."
        )
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day_minus_one = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day_minus_one + 1)

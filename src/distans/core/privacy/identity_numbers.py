"""Swedish personnummer / samordningsnummer and Norwegian fødselsnummer / D-nummer in
free text: found by shape *and* check digit (so an order number of the same length is
left alone), and masked for exports and reports.

Swedish: ``YYMMDD-NNNN``, ``YYMMDD+NNNN`` (100 years or older), ``YYYYMMDD-NNNN``,
``YYYYMMDDNNNN``, ``YYMMDDNNNN``; the last digit is a Luhn check over the ten digits
``YYMMDDNNN``; a samordningsnummer adds 60 to the day.

Norwegian: ``DDMMYYIIIKK`` (11 digits, optionally ``DDMMYY IIIKK``); two mod-11 check
digits; a D-nummer adds 40 to the day, an H-nummer 40 to the month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SWEDISH = re.compile(r"(?<![\d-])(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{4})(?![\d])")
_NORWEGIAN = re.compile(r"(?<![\d-])(\d{2})(\d{2})(\d{2}) ?(\d{5})(?!\d)")
_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class Found:
    kind: str  # "personnummer" (Swedish) or "fodselsnummer" (Norwegian)
    start: int
    end: int
    text: str


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _swedish_ok(month: str, day: str, ten_digits: str) -> bool:
    m, d = int(month), int(day)
    if d > 60:  # samordningsnummer
        d -= 60
    return 1 <= m <= 12 and 1 <= d <= 31 and _luhn_ok(ten_digits)


def _norwegian_ok(eleven: str) -> bool:
    digits = [int(c) for c in eleven]
    day, month = int(eleven[0:2]), int(eleven[2:4])
    if day > 40:  # D-nummer
        day -= 40
    if month > 40:  # H-nummer
        month -= 40
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    k1 = 11 - sum(w * v for w, v in zip(_K1, digits[:9], strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    if k1 == 10 or k1 != digits[9]:
        return False
    k2 = 11 - sum(w * v for w, v in zip(_K2, digits[:10], strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    return k2 != 10 and k2 == digits[10]


def find_identity_numbers(text: str) -> list[Found]:
    """Every valid Swedish or Norwegian personal identity number in ``text``."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for match in _SWEDISH.finditer(text):
        century, year, month, day, _sep, last = match.groups()
        if century is not None and century not in ("18", "19", "20"):
            continue
        if _swedish_ok(month, day, f"{year}{month}{day}{last}"):
            found.append(Found("personnummer", match.start(), match.end(), match.group()))
            taken.append((match.start(), match.end()))
    for match in _NORWEGIAN.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        eleven = "".join(match.groups())
        if _norwegian_ok(eleven):
            found.append(Found("fodselsnummer", match.start(), match.end(), match.group()))
    return sorted(found, key=lambda f: f.start)


def mask_identity_numbers(text: str, mask: str = "*") -> str:
    """``text`` with every digit of each identity number replaced by ``mask``
    (separators kept: ``19900101-1234`` → ``********-****``)."""
    if not text or not any(c.isdigit() for c in text):
        return text
    found = find_identity_numbers(text)
    if not found:
        return text
    parts: list[str] = []
    position = 0
    for item in found:
        parts.append(text[position : item.start])
        parts.append(re.sub(r"\d", mask, item.text))
        position = item.end
    parts.append(text[position:])
    return "".join(parts)

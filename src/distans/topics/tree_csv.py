"""The topic tree as CSV: ``code,parent_code,name,active,order,keywords``.

``keywords`` are separated by ``|`` (or ``;`` in a comma file); ``active`` is
1/0, true/false, yes/no, ja/nej. Rows are checked one by one; a broken row is reported
with its line number (the header is line 1) and skipped, the rest is kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

COLUMNS = ("code", "parent_code", "name", "active", "order", "keywords")
_TRUE = {"1", "true", "yes", "ja", "y", "x"}
_FALSE = {"0", "false", "no", "nej", "n"}
_CODE = re.compile(r"^[-a-zA-Z0-9_]+$")


@dataclass(frozen=True)
class TopicRow:
    line: int
    code: str
    parent_code: str
    name: str
    active: bool
    order: int
    keywords: list[str]


@dataclass
class ParsedTree:
    rows: list[TopicRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse_topics_csv(text: str) -> ParsedTree:
    """Parse the file; errors are ``(line, message)`` and their rows are skipped."""
    result = ParsedTree()
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        result.errors.append((1, _("The file is empty; it needs a header row.")))
        return result
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([lines[0]], delimiter=delimiter))]
    missing = [c for c in ("code", "name") if c not in header]
    if missing:
        result.errors.append((1, _("The header lacks column(s): %s") % ", ".join(missing)))
        return result
    seen: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            values = next(csv.reader([line], delimiter=delimiter))
        except csv.Error:
            result.errors.append((number, _("The line is not valid CSV.")))
            continue
        if len(values) != len(header):
            result.errors.append(
                (number, _("The row has a different number of fields than the header."))
            )
            continue
        cell = {name: value.strip() for name, value in zip(header, values, strict=True)}
        code, name = cell.get("code", ""), cell.get("name", "")
        if not code or not _CODE.match(code) or len(code) > 50:
            result.errors.append(
                (number, _("The code must be letters, digits, - or _ (at most 50)."))
            )
            continue
        if not name or len(name) > 100:
            result.errors.append((number, _("The name is empty or longer than 100 characters.")))
            continue
        if code in seen:
            result.errors.append((number, _("The code %s appears twice.") % code))
            continue
        active_text = cell.get("active", "1").lower()
        if active_text and active_text not in _TRUE | _FALSE:
            result.errors.append((number, _("Active must be 1 or 0.")))
            continue
        try:
            order = int(cell.get("order") or 0)
        except ValueError:
            result.errors.append((number, _("The order must be a whole number.")))
            continue
        split = "|" if "|" in cell.get("keywords", "") or delimiter == ";" else ";"
        keywords = [k.strip() for k in cell.get("keywords", "").split(split) if k.strip()]
        seen.add(code)
        result.rows.append(
            TopicRow(
                number,
                code,
                cell.get("parent_code", ""),
                name,
                active_text not in _FALSE,
                order,
                keywords,
            )  # fmt: skip
        )
    return result


def write_topics_csv(rows: Iterable[tuple[str, str, str, bool, int, list[str]]]) -> str:
    """The CSV text for ``(code, parent_code, name, active, order, keywords)`` rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for code, parent, name, active, order, keywords in rows:
        writer.writerow([code, parent, name, "1" if active else "0", order, "|".join(keywords)])
    return out.getvalue()

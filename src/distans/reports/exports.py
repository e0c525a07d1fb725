"""Report rows as CSV and XLSX (openpyxl), raw events as CSV. Every text cell has
Swedish and Norwegian personal identity numbers masked (a topic or a note typed with
one must not leave the system in a spreadsheet)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from distans.core.privacy.identity_numbers import mask_identity_numbers


def _masked(record: dict[str, Any]) -> dict[str, Any]:
    return {k: mask_identity_numbers(v) if isinstance(v, str) else v for k, v in record.items()}


def rows_to_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if records:
        writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(_masked(r) for r in records)
    return out.getvalue()


def rows_to_xlsx(records: list[dict[str, Any]], title: str = "Report") -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    if records:
        sheet.append(list(records[0]))
        for record in records:
            sheet.append(
                [
                    v if isinstance(v, (int, float, str)) or v is None else str(v)
                    for v in _masked(record).values()
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EVENT_COLUMNS = ("id", "at", "name", "contact_id", "agent_id", "queue_id", "data")


def events_to_csv_lines(events: Iterable[Any]) -> Iterable[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EVENT_COLUMNS)
    yield out.getvalue()
    for event in events:
        out.seek(0)
        out.truncate()
        writer.writerow([event.pk, event.at.isoformat(), event.name, event.contact_id or "", event.agent_id or "",
                         event.queue_id or "", mask_identity_numbers(
                             json.dumps(event.data, ensure_ascii=False, sort_keys=True))])  # fmt: skip
        yield out.getvalue()

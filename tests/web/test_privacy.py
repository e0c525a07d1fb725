"""Privacy: identity numbers masked in exports; who read which contact."""

from __future__ import annotations


def test_report_exports_mask_identity_numbers_in_text_cells() -> None:
    from distans.reports.exports import events_to_csv_lines, rows_to_csv, rows_to_xlsx

    csv_text = rows_to_csv([{"topic": "Ärende 19811218-9876", "offered": 198112189876}])
    assert "Ärende ********-****" in csv_text
    assert "198112189876" in csv_text  # a number column is not text
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(rows_to_xlsx([{"topic": "Ärende 19811218-9876"}])))
    assert [c.value for c in next(book.active.iter_cols(min_row=2, max_row=2))] == ["Ärende ********-****"]

    class Event:
        pk, name, contact_id, agent_id, queue_id = 1, "note", 2, 3, 4
        data = {"text": "fnr 15076500565"}

        class at:
            @staticmethod
            def isoformat() -> str:
                return "2026-12-06T10:00:00+00:00"

    lines = "".join(events_to_csv_lines([Event()]))
    assert "15076500565" not in lines and "***********" in lines

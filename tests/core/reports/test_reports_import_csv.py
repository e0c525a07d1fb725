"""The history CSV: valid rows become records, broken rows errors with line numbers."""

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.errors import InvalidInput
from distans.core.reports import ContactOutcome, Outcome
from distans.core.reports.import_csv import REASONS, ContactCsvReader

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HEADER = "arrived_at,queue,channel,topic,waited_seconds,handled_seconds,outcome\n"


def read(text: str, max_errors: int | None = None) -> tuple[list[ContactOutcome], ContactCsvReader]:
    reader = ContactCsvReader(text.splitlines(keepends=True), STOCKHOLM, max_errors=max_errors)
    return list(reader), reader


def test_broken_rows_are_reported_with_line_numbers_and_skipped() -> None:
    text = HEADER + (
        "2026-03-02T08:00:00+01:00,Skola,phone,Skolplikt,12,300,answered\n"  # 2 ok
        "2026-03-02 08:01:00,Skola,phone,,,0,abandoned\n"  # 3 missing wait
        "yesterday,Skola,phone,,5,0,abandoned\n"  # 4 bad time
        "\n"  # 5 blank: ignored
        "2026-03-02 08:02:00,Skola,phone,,-1,0,abandoned\n"  # 6 negative
        "2026-03-02 08:03:00,Skola,phone,,abc,0,abandoned\n"  # 7 bad number
        "2026-03-02 08:04:00,Skola,phone,,5,0,transferred\n"  # 8 bad outcome
        "2026-03-02 08:05:00,Skola,phone,,5,0\n"  # 9 short row
        '2026-03-02 08:06:00,"Skola,phone,,5,0,abandoned\n'  # 10 stray quote
        "2026-03-02 08:07:00,Skola,phone,,5,30,abandoned\n"  # 11 abandoned with handling
        "2026-03-02 08:08:00,,phone,,5,0,abandoned\n"  # 12 no queue
        "2026-03-02 08:09:00,Bygglov,Chat,,0:01:05,0:10:00,ANSWERED\n"  # 13 ok
    )
    records, reader = read(text)
    assert [(e.line, e.reason, e.column) for e in reader.errors] == [
        (3, "missing_value", "waited_seconds"),
        (4, "bad_datetime", "arrived_at"),
        (6, "negative_number", "waited_seconds"),
        (7, "bad_number", "waited_seconds"),
        (8, "bad_outcome", "outcome"),
        (9, "wrong_field_count", ""),
        (10, "csv_syntax", ""),
        (11, "handled_when_abandoned", "handled_seconds"),
        (12, "missing_value", "queue"),
    ]
    assert all(e.reason in REASONS and e.message for e in reader.errors)
    assert (reader.rows_read, reader.records_read, reader.error_count) == (11, 2, 9)
    first, last = records
    assert first.arrived_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert (first.topic, first.waited_seconds, first.handled_seconds) == ("Skolplikt", 12, 300)
    assert (last.queue, last.channel, last.outcome) == ("Bygglov", "chat", Outcome.ANSWERED)
    assert (last.waited_seconds, last.handled_seconds) == (65, 600)


def test_naive_times_are_read_in_the_given_zone_first_occurrence_when_ambiguous() -> None:
    records, _ = read(
        HEADER
        + "2026-10-25 02:30:00,A,phone,,1,1,answered\n2026-10-25T02:30:00Z,A,phone,,1,1,answered\n"
    )
    assert records[0].arrived_at.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert records[1].arrived_at == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)


def test_semicolons_decimal_commas_bom_optional_columns_and_quotes() -> None:
    text = (
        "\ufeffoutcome;arrived_at;queue;channel;waited_seconds;handled_seconds;agent;location;wrap_up_seconds;extra\n"
        'answered;2026-03-02 08:00;"Skola; grundskola";phone;12,5;300;anna;home;30,5;x\n'
    )
    (record,), reader = read(text)
    assert reader.delimiter == ";"
    assert record.queue == "Skola; grundskola"
    assert (record.waited_seconds, record.wrap_up_seconds) == (12.5, 30.5)
    assert (record.agent, record.location, record.topic) == ("anna", "home", "")


def test_missing_header_column_is_a_file_error() -> None:
    with pytest.raises(InvalidInput, match="lacks column\\(s\\): waited_seconds, outcome"):
        read("arrived_at,queue,channel\n")
    with pytest.raises(InvalidInput, match="empty"):
        read("")


def test_reader_streams_without_reading_the_whole_file() -> None:
    def endless() -> Iterator[str]:
        yield HEADER
        for i in itertools.count():
            yield f"2026-03-02T08:00:00+01:00,Q{i},phone,,1,1,answered\n"

    reader = ContactCsvReader(endless(), STOCKHOLM)
    first_three = [r.queue for r in itertools.islice(reader, 3)]
    assert first_three == ["Q0", "Q1", "Q2"]


def test_error_list_can_be_capped_but_all_errors_are_counted() -> None:
    _, reader = read(HEADER + "x,A,phone,,1,1,answered\n" * 5, max_errors=2)
    assert reader.error_count == 5
    assert [e.line for e in reader.errors] == [2, 3]


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.datetimes(
                min_value=datetime(2026, 1, 1),
                max_value=datetime(2026, 12, 31),
                timezones=st.just(STOCKHOLM),
                allow_imaginary=False,
            ),
            st.text(alphabet="abcåäö ;,\"'", min_size=1, max_size=8).filter(
                lambda q: q.strip() == q
            ),
            st.sampled_from(["phone", "chat", "email"]),
            st.integers(0, 10_000),
            st.integers(0, 10_000),
            st.sampled_from(list(Outcome)),
        ),
        max_size=20,
    )
)
def test_written_csv_reads_back_to_the_same_records(
    rows: list[tuple[datetime, str, str, int, int, Outcome]],
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["arrived_at", "queue", "channel", "topic", "waited_seconds", "handled_seconds", "outcome"]
    )
    for arrived, queue, channel, waited, handled, outcome in rows:
        handled = 0 if outcome is Outcome.ABANDONED else handled
        writer.writerow([arrived.isoformat(), queue, channel, "", waited, handled, outcome.value])
    buffer.seek(0)
    reader = ContactCsvReader(buffer, STOCKHOLM)
    records = list(reader)
    assert reader.errors == []
    assert [
        (r.arrived_at.astimezone(UTC), r.queue, r.channel, r.waited_seconds, r.outcome)
        for r in records
    ] == [
        (arrived.astimezone(UTC), queue, channel, waited, outcome)
        for arrived, queue, channel, waited, _, outcome in rows
    ]

"""routing/sql.py's statement runner: lists go to PostgreSQL as array text, and come
back as they were, whatever the strings hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from distans.routing import sql

pytestmark = pytest.mark.django_db


def test_lists_reach_postgresql_unchanged() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared-statement runner: runs in the suite's second pass (see Makefile)")
    texts = [
        "plain",
        'a "quoted" word',
        "back\\slash",
        "{braces}, commas",
        "",
        "NULL",
        "åäö ✓",
        '{"k": "v\\"}',
    ]
    ids = [1, None, 2**40]
    at = datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=UTC)
    times = [at, at + timedelta(microseconds=1), None]
    flags = [True, False, None]
    ((back_texts, back_ids, back_times, back_flags),) = sql._execute(
        "SELECT $1::text[], $2::bigint[], $3::timestamptz[], $4::boolean[]",
        [texts, ids, times, flags],
    )
    assert back_texts == texts
    assert back_ids == ids
    assert back_times == times
    assert back_flags == flags
    # An empty list is an empty array, not NULL.
    assert sql._execute("SELECT cardinality($1::bigint[])", [[]]) == [(0,)]

"""The PostgreSQL store's statement runner: Django's cursor for the plain statements,
psycopg's prepared statements (server-side binding, pipeline mode) for the hot ones.

PostgreSQL plans a statement each time it is sent; for routing's hot statements the
planning cost more than the running (the queue-line read: ~2 ms against ~0.2 ms; the
freed agents' read: ~1–3 ms against ~0.3 ms). These are prepared once per database
connection (psycopg's ``prepare=True``; a prepared statement outlives transactions
and rollbacks) and then executed by name, each with a fixed shape: lists go in as
arrays.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from django.db import connection


def rows(sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
    """Run ``sql`` (Django's ``%s`` placeholders) through Django's cursor: its rows."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def run(sql: str, params: Sequence[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def execute(body: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
    """Run ``body`` (placeholders ``$1``…, each cast where its type matters) with
    ``params`` as a prepared statement with server-side binding: psycopg prepares it on
    the connection at first use and then only sends its name and the values, in binary
    (Django's cursors bind on the client: every list rendered into the text in Python,
    every statement planned again). Errors come out as Django's database errors, as
    through its cursors."""
    query, order = _psycopg_query(body)
    return execute_all([(query, [params[i] for i in order])])[0]


def execute_all(
    statements: Sequence[tuple[str, Sequence[object]]],
) -> list[list[Any]]:
    """Run ``statements`` (psycopg placeholders) in order as prepared statements, more
    than one in one round trip (psycopg's pipeline mode): the rows of each."""
    connection.ensure_connection()
    with connection.wrap_database_errors, contextlib.ExitStack() as stack:
        conn = connection.connection
        cursors = [stack.enter_context(psycopg.Cursor(conn)) for _ in statements]
        with conn.pipeline() if len(statements) > 1 else contextlib.nullcontext():
            for cursor, (body, params) in zip(cursors, statements, strict=True):
                cursor.execute(body, _with_array_literals(params), prepare=True)
        return [cursor.fetchall() if cursor.description else [] for cursor in cursors]


def _with_array_literals(params: Sequence[object]) -> list[object]:
    """``params`` with each list as the text of a PostgreSQL array (every statement
    casts its array parameters, ``$1::bigint[]``): psycopg dumps a list element by
    element in Python, a string at once in C; the text is built by ``join``."""
    return [_array_literal(v) if isinstance(v, list) else v for v in params]


def _array_literal(values: list[Any]) -> str:
    return "{" + ",".join(map(_array_element, values)) + "}"


def _array_element(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f'"{value.isoformat()}"'
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


_PLACEHOLDER = re.compile(r"\$(\d+)")


@functools.lru_cache(maxsize=256)
def _psycopg_query(body: str) -> tuple[str, tuple[int, ...]]:
    """``body`` with each ``$N`` as psycopg's positional placeholder ``%s``, and the
    parameter (0-based) each placeholder takes: a parameter used twice is sent twice.
    (Positional parameters cost psycopg less than named ones, per execution.)"""
    order = tuple(int(n) - 1 for n in _PLACEHOLDER.findall(body))
    return _PLACEHOLDER.sub("%s", body), order

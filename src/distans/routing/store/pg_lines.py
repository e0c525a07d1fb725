"""The PostgreSQL store's reads of contacts: the arrived ones, the lines a targeted round
reads (one ``LATERAL`` statement over arrays of (queue, channel, by age)), a full
round's contacts and the who-waits sample."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from distans.contacts.choices import ContactStatus
from distans.contacts.models import Contact
from distans.core import routing as core
from distans.routing.agent_columns import parse_json
from distans.routing.convert import CONTACT_COLUMNS, contact_from_values
from distans.routing.store import pg_runner as db


def _contact_column(name: str) -> str:
    if name == "pk":
        return "id"
    field = Contact._meta.get_field(name)
    column = str(field.column)  # type: ignore[union-attr]
    # Timestamps as text: Python's C ``fromisoformat`` reads them ~10× faster than the
    # driver's loader (which Django subclasses in Python for time zones).
    return f"{column}::text" if field.get_internal_type() == "DateTimeField" else column


_CONTACT_SQL_COLUMNS = ", ".join(_contact_column(name) for name in CONTACT_COLUMNS)


_JSON_COLUMNS = [
    i
    for i, name in enumerate(CONTACT_COLUMNS)
    if name != "pk" and Contact._meta.get_field(name).get_internal_type() == "JSONField"
]


_TIME_COLUMNS = [
    i
    for i, name in enumerate(CONTACT_COLUMNS)
    if name != "pk" and Contact._meta.get_field(name).get_internal_type() == "DateTimeField"
]


def contact_from_row(row: Sequence[Any]) -> core.Contact:
    """A core contact from a plain-SQL row of ``CONTACT_COLUMNS`` as
    ``_CONTACT_SQL_COLUMNS`` reads them (JSON and timestamps as text; PostgreSQL
    writes timestamps in ISO form, in the session's time zone, UTC)."""
    values = list(row)
    for i in _JSON_COLUMNS:
        values[i] = parse_json(values[i])
    for i in _TIME_COLUMNS:
        if values[i] is not None:
            values[i] = datetime.fromisoformat(values[i])
    return contact_from_values(tuple(values))


_WAITING_CONTACTS = (
    f"SELECT {_CONTACT_SQL_COLUMNS} FROM contacts_contact"  # noqa: S608 — own columns
    " WHERE organisation_id = %s AND status = %s"
)


_SAMPLE = (
    "SELECT queue_id, channel, count(*) FROM (SELECT queue_id, channel"
    " FROM contacts_contact WHERE organisation_id = %s AND status = %s"
    " AND NOT (id = ANY(%s::bigint[])) LIMIT %s) sample GROUP BY queue_id, channel"
)


def waiting_contacts(
    organisation_id: int,
    *,
    ids: Iterable[int] = (),
    targeted_to: int | None = None,
) -> list[core.Contact]:
    """Waiting contacts of the organisation: those in ``ids``, or those transferred in
    person to ``targeted_to``."""
    wanted: list[int] = []
    if targeted_to is None:
        wanted = sorted(set(ids))
        if not wanted:
            return []
    where, param = (
        ("id = ANY(%s::bigint[])", wanted)
        if targeted_to is None
        else ("target_agent_id = %s", targeted_to)
    )
    rows = db.rows(
        f"{_WAITING_CONTACTS} AND {where}", [organisation_id, str(ContactStatus.WAITING), param]
    )
    return [contact_from_row(row) for row in rows]


def waiting_lines_sample(
    organisation_id: int, besides: Iterable[int], limit: int
) -> tuple[set[tuple[int, str]], int]:
    """The (queue id, channel) pairs of up to ``limit`` waiting contacts other than
    ``besides`` (one short read of the status index), and how many contacts that read
    saw."""
    rows = db.rows(
        _SAMPLE, [organisation_id, str(ContactStatus.WAITING), sorted(set(besides)), limit]
    )
    return _sample(rows)


def _sample(rows: list[tuple[Any, ...]]) -> tuple[set[tuple[int, str]], int]:
    return {(queue_id, channel) for queue_id, channel, _ in rows}, sum(n for *_, n in rows)


_LINES_BODY = (  # the model's own column names, no values
    f"SELECT {', '.join('c.' + c for c in _CONTACT_SQL_COLUMNS.split(', '))}, l.n - 1"  # noqa: S608
    " FROM unnest($1::bigint[], $2::text[], $3::boolean[])"
    "  WITH ORDINALITY AS l(queue_id, channel, by_age, n)"
    " CROSS JOIN LATERAL ("
    "  (SELECT * FROM contacts_contact c WHERE NOT l.by_age AND c.queue_id = l.queue_id"
    "   AND c.status = $4 AND c.channel = l.channel"
    "   ORDER BY c.priority DESC, c.enqueued_at, c.id LIMIT $5)"
    "  UNION ALL"
    "  (SELECT * FROM contacts_contact c WHERE l.by_age AND c.queue_id = l.queue_id"
    "   AND c.status = $4 AND c.channel = l.channel ORDER BY c.enqueued_at, c.id LIMIT $5)"
    " ) c"
)


def queue_lines(reads: Sequence[tuple[int, str, bool]], depth: int) -> list[tuple[Any, ...]]:
    """The first ``depth`` waiting contacts of each read ``(queue id, channel, by age)``
    — in service order (priority, then arrival) or, ``by age``, in arrival order —
    through the indexes ``contact_queue_line`` and ``contact_queue_age``: one prepared
    statement (PostgreSQL only). Each row is ``CONTACT_COLUMNS`` and the read's index."""
    return db.execute(
        _LINES_BODY,
        [
            [int(queue_id) for queue_id, _, _ in reads],
            [str(channel) for _, channel, _ in reads],
            [by_age for _, _, by_age in reads],
            str(ContactStatus.WAITING),
            depth,
        ],
    )


def queued_contacts(
    organisation_id: int,
    whole_queues: Sequence[int],
    reads: Sequence[tuple[int, str, bool]],
    depth: int,
) -> list[core.Contact]:
    """A full round's contacts (PostgreSQL): every queued contact of ``whole_queues``,
    every offered contact, and the first ``depth`` waiting of each line in ``reads``
    (see :func:`queue_lines`); each contact once."""
    found: dict[int, core.Contact] = {}
    rows = db.rows(
        f"{_QUEUED} AND (queue_id = ANY(%s::bigint[]) OR status = %s)",
        [
            organisation_id,
            [str(s) for s in (ContactStatus.WAITING, ContactStatus.OFFERED)],
            list(whole_queues),
            str(ContactStatus.OFFERED),
        ],
    )
    if reads:
        rows += [row[:-1] for row in queue_lines(reads, depth)]
    for row in rows:
        if row[0] not in found:
            found[row[0]] = contact_from_row(row)
    return list(found.values())


_QUEUED = (
    f"SELECT {_CONTACT_SQL_COLUMNS} FROM contacts_contact"  # noqa: S608 — own columns
    " WHERE organisation_id = %s AND status = ANY(%s::text[])"
)

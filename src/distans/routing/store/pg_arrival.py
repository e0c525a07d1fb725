"""The PostgreSQL store's arrival: the contact and its ``contact_queued`` event in one
prepared statement (atomic on its own: outside a transaction, one round trip)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections

from distans.contacts.models import Contact
from distans.core import routing as core
from distans.routing.store import pg_runner as db
from distans.routing.store.records import event_rows


def insert_contact(contact: Contact, events: Sequence[core.Event] = ()) -> None:
    """Insert a new, unsaved contact and set its ``pk`` (what ``save()`` does, minus the
    ORM's query building), with ``events`` about it appended to the event log, their
    ``contact_id`` set to the new contact's (whatever they carry: it has none yet).
    Every concrete field is written as the model holds it (contacts have no save
    signals and no field that changes its value on save). On PostgreSQL one prepared
    statement: atomic on its own, so outside a transaction the arrival is one round
    trip (autocommit) instead of four (``BEGIN``, two inserts, ``COMMIT``)."""
    values = [
        getattr(contact, name) if prep is None else prep(getattr(contact, name))
        for name, prep in _insert_preps()
    ]
    # The events as scalars (psycopg dumps arrays far slower); their contact is ``c.id``.
    for _, name, at, _, agent, queue, data in event_rows(int(contact.organisation_id), events):
        values += [name, at, agent, queue, json.dumps(data)]
    ((pk,),) = db.execute(_arrival_statement(len(events)), values)
    contact.pk = pk
    contact._state.adding = False
    contact._state.db = DEFAULT_DB_ALIAS


def _contact_insert_fields() -> list[Any]:
    return [f for f in Contact._meta.concrete_fields if not f.primary_key]


def _text(value: object) -> object:
    return value if value is None or type(value) is str else str(value)


def _json_text(value: object) -> str:
    if not value and isinstance(value, dict | list):
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value)


@functools.cache
def _insert_preps() -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """How each inserted column's value is sent, by attribute: JSON as its text (cast by
    the column), text as ``str`` (choices are ``str`` enums), the rest as it is (what
    Django's ``get_db_prep_save`` amounts to for these fields on PostgreSQL)."""
    preps: list[tuple[str, Callable[[Any], Any] | None]] = []
    for f in _contact_insert_fields():
        kind = f.get_internal_type()
        if kind == "JSONField":
            preps.append((f.attname, _json_text))
        elif kind in ("CharField", "TextField", "EmailField"):
            preps.append((f.attname, _text))
        elif kind in ("ForeignKey", "IntegerField", "DateTimeField"):
            preps.append((f.attname, None))
        else:  # a field added later: Django's own preparation
            preps.append((f.attname, functools.partial(_django_prep, f)))
    return tuple(preps)


def _django_prep(field: Any, value: object) -> object:
    return field.get_db_prep_value(value, connections[DEFAULT_DB_ALIAS], prepared=False)


@functools.cache
def _arrival_statement(events: int) -> str:
    """``INSERT`` of a contact (every concrete column) and of its ``events`` (each as
    five values: name, at, agent, queue, data), one statement."""
    fields = _contact_insert_fields()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    n = len(fields)
    org = fields.index(Contact._meta.get_field("organisation")) + 1
    rows = ", ".join(
        f"(${i}::text, ${i + 1}::timestamptz, ${i + 2}::bigint, ${i + 3}::bigint,"
        f" ${i + 4}::jsonb, {k})"
        for k, i in enumerate(range(n + 1, n + 1 + 5 * events, 5))
    )
    statement = (
        f"WITH c AS (INSERT INTO contacts_contact ({columns})"  # noqa: S608 — model's columns
        f" VALUES ({', '.join(f'${i}' for i in range(1, n + 1))}) RETURNING id)"
    )
    if events:
        statement += (
            ", e AS (INSERT INTO routing_routingevent"  # noqa: S608 — placeholders only
            " (organisation_id, name, at, contact_id, agent_id, queue_id, data)"
            f" SELECT ${org}::bigint, v.name, v.at, c.id, v.agent_id, v.queue_id, v.data"
            f" FROM c, (VALUES {rows}) AS v(name, at, agent_id, queue_id, data, ord)"
            " ORDER BY v.ord)"
        )
    return f"{statement} SELECT id FROM c"  # noqa: S608 — as above

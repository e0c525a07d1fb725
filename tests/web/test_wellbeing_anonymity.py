"""Issue 18: pulse answers cannot be joined to people — not through the tables, not
through times, not through the order rows were written in.

The test inspects the answer tables as a database reader would: their columns (no
reference to a person, no time), their keys (random UUIDs, not a sequence that follows
the order of answering), and the participation table (created for everyone when the
round opens, in shuffled order, with no time either)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, models
from tests.factories import make_organisation, make_person, make_team

from distans.accounts.models import Person
from distans.wellbeing import actions, queries
from distans.wellbeing.models import (
    STORAGE_FLOOR,
    PulseComment,
    PulseParticipation,
    PulseRound,
    PulseTally,
)

pytestmark = pytest.mark.django_db

ANSWER_MODELS = (PulseTally, PulseComment)
PERSON_TABLE = Person._meta.db_table


def _foreign_tables(model: type[models.Model]) -> dict[str, str]:
    """column → referenced table, as the database itself describes it."""
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, model._meta.db_table)
    return {column: target[1] for column, target in relations.items()}


def _columns(model: type[models.Model]) -> dict[str, str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, model._meta.db_table)
    return {col.name: col.type_code for col in description}


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_no_answer_table_refers_to_a_person_except_the_leader_who_replied(
    model: type[models.Model],
) -> None:
    references = _foreign_tables(model)
    allowed = {"replied_by_id"} if model is PulseComment else set()  # the leader, never the writer
    assert {col for col, table in references.items() if table == PERSON_TABLE} == allowed
    # and nothing that leads to a person in one step: only the round, the question, the team
    assert set(references.values()) - {PERSON_TABLE} <= {
        PulseRound._meta.db_table,
        "wellbeing_pulsequestion",
        "accounts_team",
        "accounts_organisation",
    }


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_answers_carry_no_time_finer_than_the_rounds_iso_week(model: type[models.Model]) -> None:
    times = [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, (models.DateTimeField, models.DateField, models.TimeField))
    ]
    assert times == (["replied_at"] if model is PulseComment else [])
    round_fields = {f.name for f in PulseRound._meta.get_fields() if f.concrete}
    assert round_fields == {"id", "organisation", "iso_year", "iso_week", "question_ids"}


@pytest.mark.parametrize("model", (*ANSWER_MODELS, PulseParticipation))
def test_keys_are_random_uuids_not_a_sequence(model: type[models.Model]) -> None:
    assert isinstance(model._meta.pk, models.UUIDField)
    assert model._meta.pk.default is uuid.uuid4
    assert not any(isinstance(f, models.AutoField) for f in model._meta.get_fields() if f.concrete)


def test_participation_has_no_time_and_its_order_is_not_the_order_of_answering() -> None:
    assert {f.name for f in PulseParticipation._meta.get_fields() if f.concrete} == {
        "id",
        "organisation",
        "round",
        "person",
        "answered",
    }
    org = make_organisation()
    team = make_team(org)
    people = [make_person(org, team=team) for _ in range(12)]
    today = queries.local_today(org.pk)
    round_ = actions.do_open_round(org.pk, today)
    # every active person has a row from the start, before anyone answers
    assert PulseParticipation.objects.filter(round=round_).count() == 12
    assert not PulseParticipation.objects.filter(round=round_, answered=True).exists()
    # the rows were written shuffled: their physical order is not the staff list's
    # (with 12 people the chance of the same order by accident is 1 in 479 million)
    with connection.cursor() as cursor:
        order = "rowid" if connection.vendor == "sqlite" else "ctid"  # the physical order
        table = PulseParticipation._meta.db_table
        cursor.execute(f"SELECT person_id FROM {table} ORDER BY {order}")  # noqa: S608
        written = [row[0] for row in cursor.fetchall()]
    assert sorted(written) == sorted(p.pk for p in people)
    assert written != [p.pk for p in people]
    # answering changes a flag in place: no new row, nothing appended in answer order
    questions = queries.questions_of(round_)
    for person in people[:6]:
        actions.do_answer_pulse(person, round_, {q.pk: 3 for q in questions}, "ord")
    assert PulseParticipation.objects.filter(round=round_).count() == 12


def test_scores_are_tallies_so_no_row_is_one_persons_answer() -> None:
    org = make_organisation()
    team = make_team(org)
    people = [make_person(org, team=team) for _ in range(6)]
    round_ = actions.do_open_round(org.pk, queries.local_today(org.pk))
    question = queries.questions_of(round_)[0]
    for person in people:
        actions.do_answer_pulse(person, round_, {question.pk: 4})
    rows = list(PulseTally.objects.filter(round=round_, question=question))
    assert len(rows) == 1 and rows[0].count == 6 and rows[0].team == team


def test_a_team_too_small_to_hide_in_answers_into_the_organisations_bucket() -> None:
    org = make_organisation()
    tiny = make_team(org)
    people = [make_person(org, team=tiny) for _ in range(STORAGE_FLOOR - 1)]
    round_ = actions.do_open_round(org.pk, queries.local_today(org.pk))
    question = queries.questions_of(round_)[0]
    actions.do_answer_pulse(people[0], round_, {question.pk: 1}, "Bara jag i laget")
    assert PulseTally.objects.get(round=round_).team is None
    assert PulseComment.objects.get(round=round_).team is None


def test_nothing_a_database_reader_can_join_links_a_comment_to_its_writer() -> None:
    """Two people answer; every column of every row either table holds is compared:
    nothing in the comment rows equals anything that distinguishes the two people."""
    org = make_organisation()
    team = make_team(org)
    first, second, third = (make_person(org, team=team) for _ in range(3))
    round_ = actions.do_open_round(org.pk, queries.local_today(org.pk))
    actions.do_answer_pulse(first, round_, {}, "Första kommentaren")
    actions.do_answer_pulse(second, round_, {}, "Andra kommentaren")
    comment_values = set()
    for row in PulseComment.objects.filter(round=round_).values():
        comment_values |= {str(v) for v in row.values() if v not in (None, "")}
    participation_values = {}
    for row in PulseParticipation.objects.filter(round=round_).values():
        participation_values[row["person_id"]] = {
            str(v) for k, v in row.items() if k not in ("round_id", "organisation_id", "answered")
        }
    shared = {str(round_.pk), str(org.pk), str(team.pk)}
    for person_id, values in participation_values.items():
        assert not ((values & comment_values) - shared), person_id

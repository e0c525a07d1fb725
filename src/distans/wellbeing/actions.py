"""Writes of wellbeing: check-ins, follow-ups, team meetings, reminders, and anonymous
pulse answers (see ``models.py`` for what an answer may never carry)."""

from __future__ import annotations

import datetime as dt
import random
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from distans.accounts.audit import record_change, snapshot
from distans.accounts.models import Person, Team
from distans.core.errors import CoreError
from distans.wellbeing import queries
from distans.wellbeing.bank import BANK
from distans.wellbeing.choices import CheckInKind, CheckInStatus
from distans.wellbeing.models import (
    STORAGE_FLOOR,
    CheckIn,
    CheckInReminder,
    FollowUp,
    PulseComment,
    PulseParticipation,
    PulseQuestion,
    PulseRound,
    PulseTally,
    TeamMeeting,
    WellbeingSettings,
)

_random = random.SystemRandom()
MAX_NOTES = 20_000
MAX_COMMENT = 2_000
MAX_PER_WEEK = 15
REMIND_FROM_HOUR = 8  # local time: the reminder comes with the working day


class WellbeingError(CoreError):
    """A refused wellbeing change, with a translated message."""


# --- check-ins -----------------------------------------------------------------------


def _kind(kind: str) -> str:
    if kind not in CheckInKind.values:
        raise WellbeingError(_("Choose how the check-in was held."))
    return kind


@transaction.atomic
def do_plan_checkin(leader: Person, person: Person, day: dt.date, kind: str) -> CheckIn:
    return CheckIn.objects.create(
        organisation_id=queries.org_id(person),
        person=person,
        leader=leader,
        status=CheckInStatus.PLANNED,
        kind=_kind(kind),
        planned_for=day,
    )


@transaction.atomic
def do_record_checkin(
    leader: Person,
    person: Person,
    kind: str,
    held_on: dt.date,
    notes: str = "",
    follow_up: str = "",
    follow_up_due: dt.date | None = None,
) -> CheckIn:
    """A held check-in. It fulfils the person's earliest planned one, if any."""
    if len(notes) > MAX_NOTES:
        raise WellbeingError(_("The notes are too long."))
    if held_on > queries.local_today(queries.org_id(person)):
        raise WellbeingError(
            _("A check-in cannot be recorded as held in the future; plan it instead.")
        )
    checkin = (
        CheckIn.objects.for_org(queries.org_id(person))
        .select_for_update()
        .filter(person=person, status=CheckInStatus.PLANNED)
        .order_by("planned_for", "pk")
        .first()
    )
    if checkin is None:
        checkin = CheckIn(organisation_id=queries.org_id(person), person=person)
    checkin.leader = leader
    checkin.status = CheckInStatus.DONE
    checkin.kind = _kind(kind)
    checkin.held_on = held_on
    checkin.notes = notes.strip()
    checkin.save()
    if follow_up.strip():
        FollowUp.objects.create(
            organisation_id=queries.org_id(person),
            checkin=checkin,
            text=follow_up.strip()[:500],
            due_on=follow_up_due,
        )
    return checkin


@transaction.atomic
def do_finish_follow_up(actor: Person, follow_up: FollowUp) -> FollowUp:
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.done_by = actor
        follow_up.save(update_fields=["done_at", "done_by"])
    return follow_up


@transaction.atomic
def do_save_meeting(
    leader: Person, team: Team, day: dt.date, present_ids: list[int], note: str = ""
) -> TeamMeeting:
    """The day's team meeting and who attended (only the team's own people count)."""
    meeting, _created = TeamMeeting.objects.get_or_create(
        organisation_id=team.organisation_id, team=team, day=day, defaults={"held_by": leader}
    )
    meeting.held_by = leader
    meeting.note = note.strip()[:500]
    meeting.save()
    members = queries.team_people(team).filter(pk__in=present_ids)
    meeting.attendees.set(members)
    return meeting


def _reminder_mail(leader: Person, team: Team, people: list[Person]) -> EmailMessage:
    with translation.override(leader.language):
        message = EmailMessage()
        message["Subject"] = _("Not checked on for a week: %(count)s in %(team)s") % {
            "count": len(people),
            "team": team.name,
        }
        message["From"] = settings.DEFAULT_FROM_EMAIL
        message["To"] = leader.email
        message.set_content(
            render_to_string(
                "wellbeing/reminder.txt", {"leader": leader, "team": team, "people": people}
            )
        )
    return message


def do_send_checkin_reminders(now: dt.datetime | None = None) -> int:
    """Once a day per team leader: when some of their people have not been checked
    on for the organisation's number of days, a notice on their check-in page and an
    e-mail (through the outbox). Returns how many reminders were made."""
    from distans.channels_email.models import OutgoingPurpose
    from distans.channels_email.outbox import deliver_after_commit, queue_mail

    made = 0
    teams = Team.objects.filter(leader__isnull=False, leader__is_active=True).select_related(
        "leader"
    )
    for team in teams:
        leader = team.leader
        assert leader is not None
        local = queries.local_now(team.organisation_id, now)
        today = local.date()
        if today.weekday() >= 5 or local.hour < REMIND_FROM_HOUR:
            continue  # on working days, once the day has begun
        people = queries.overdue_people(team, today)
        if not people:
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    CheckInReminder.objects.create(
                        organisation_id=team.organisation_id,
                        leader=leader,
                        day=today,
                        overdue=len(people),
                    )
            except IntegrityError:
                continue  # already reminded today (another team of theirs, or another process)
            outgoing = queue_mail(
                team.organisation_id,
                _reminder_mail(leader, team, people),
                purpose=OutgoingPurpose.ANNOUNCEMENT,
            )
            deliver_after_commit(outgoing)
            made += 1
    return made


# --- pulse settings and questions ----------------------------------------------------

SETTINGS_FIELDS = ("min_scores", "min_comments", "questions_per_week", "pool_weeks", "checkin_days")


def ensure_question_bank(organisation_id: int) -> None:
    """The organisation's copy of the built-in bank (missing questions added)."""
    have = set(PulseQuestion.objects.for_org(organisation_id).values_list("code", flat=True))
    for q in BANK:
        if q.code not in have:
            PulseQuestion.objects.get_or_create(
                organisation_id=organisation_id,
                code=q.code,
                defaults={
                    "category": q.category,
                    "kind": q.kind,
                    "text_sv": q.sv,
                    "text_nb": q.nb,
                    "text_en": q.en,
                },
            )


@transaction.atomic
def do_save_settings(actor: Person, fields: dict[str, int]) -> WellbeingSettings:
    conf = queries.settings_of(queries.org_id(actor))
    if not 3 <= fields.get("min_scores", conf.min_scores) <= 50:
        raise WellbeingError(_("The minimum for scores must be between 3 and 50."))
    if not 3 <= fields.get("min_comments", conf.min_comments) <= 100:
        raise WellbeingError(_("The minimum for comments must be between 3 and 100."))
    if not 1 <= fields.get("questions_per_week", conf.questions_per_week) <= MAX_PER_WEEK:
        raise WellbeingError(_("Ask between 1 and 15 questions a week."))
    if not 1 <= fields.get("pool_weeks", conf.pool_weeks) <= 13:
        raise WellbeingError(_("Pool over 1 to 13 weeks."))
    if not 1 <= fields.get("checkin_days", conf.checkin_days) <= 60:
        raise WellbeingError(_("The check-in interval must be between 1 and 60 days."))
    before = snapshot(conf, SETTINGS_FIELDS)
    for name in SETTINGS_FIELDS:
        if name in fields:
            setattr(conf, name, int(fields[name]))
    conf.save()
    record_change(
        queries.org_of(actor),
        actor,
        "wellbeing.settings",
        conf,
        before,
        snapshot(conf, SETTINGS_FIELDS),
    )
    return conf


@transaction.atomic
def do_set_question_active(actor: Person, question: PulseQuestion, active: bool) -> PulseQuestion:
    before = snapshot(question, ["active"])
    question.active = active
    question.save(update_fields=["active"])
    record_change(
        queries.org_of(actor),
        actor,
        "wellbeing.question",
        question,
        before,
        snapshot(question, ["active"]),
    )
    return question


# --- pulse answers -------------------------------------------------------------------


def do_open_round(organisation_id: int, day: dt.date) -> PulseRound:
    """This ISO week's round: its questions fixed from the schedule, and a
    participation row for everyone active (in shuffled order) so that the table's
    order never tells who answered first."""
    found = queries.round_of(organisation_id, day)
    if found is not None:
        return found
    ensure_question_bank(organisation_id)
    conf = queries.settings_of(organisation_id)
    year, week = queries.week_of(day)
    questions = queries.planned_questions(
        organisation_id, queries.monday_of(day), conf.questions_per_week
    )
    try:
        with transaction.atomic():
            round_ = PulseRound.objects.create(
                organisation_id=organisation_id,
                iso_year=year,
                iso_week=week,
                question_ids=[q.pk for q in questions],
            )
            people = list(
                Person.objects.for_org(organisation_id)
                .filter(is_active=True)
                .values_list("pk", flat=True)
            )
            _random.shuffle(people)
            PulseParticipation.objects.bulk_create(
                [
                    PulseParticipation(organisation_id=organisation_id, round=round_, person_id=pk)
                    for pk in people
                ]
            )
    except IntegrityError:  # opened at the same moment by someone else
        found = queries.round_of(organisation_id, day)
        assert found is not None
        return found
    return round_


def ensure_participation(person: Person, round_: PulseRound) -> None:
    """A participation row for someone who joined after the round opened — made when
    they open the survey, not when they answer, so it marks no moment of answering."""
    PulseParticipation.objects.get_or_create(
        organisation_id=round_.organisation_id, round=round_, person=person
    )


def has_answered(person: Person, round_: PulseRound) -> bool:
    return PulseParticipation.objects.filter(round=round_, person=person, answered=True).exists()


def _storage_team(person: Person) -> Team | None:
    """The team the answers count for — none (the organisation) when the team is so
    small that a database reader could tell its people's answers apart."""
    team = person.team
    if team is None:
        return None
    if queries.team_people(team).count() < STORAGE_FLOOR:
        return None
    return team


@transaction.atomic
def do_answer_pulse(
    person: Person, round_: PulseRound, scores: dict[int, int], comment: str = ""
) -> None:
    """Stores the answers anonymously: tallies incremented (no row per person), the
    comment with a random key and no time, and the person's participation marked —
    in another table, with nothing that joins the two."""
    if person.organisation_id != round_.organisation_id:
        raise WellbeingError(_("This survey is not yours."))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise WellbeingError(_("The comment is too long (at most 2000 characters)."))
    questions = {q.pk: q for q in queries.questions_of(round_)}
    for question_id, value in scores.items():
        question = questions.get(question_id)
        if question is None or not question.bottom <= value <= question.top:
            raise WellbeingError(_("An answer is outside its scale."))
    if not scores and not comment:
        raise WellbeingError(_("Answer at least one question."))
    # One answer of the round at a time: the rewrites below must not interleave.
    PulseRound.objects.select_for_update().filter(pk=round_.pk).first()
    participation, _created = PulseParticipation.objects.get_or_create(
        organisation_id=round_.organisation_id, round=round_, person=person
    )
    if participation.answered:
        raise WellbeingError(_("You have already answered this week's questions."))
    # Every participation row of the round is rewritten, not just this person's: on
    # PostgreSQL an update writes a new row version at the end of the table, so
    # updating one row would leave the order of answering in the physical order.
    PulseParticipation.objects.filter(round=round_).update(
        answered=Case(When(person_id=person.pk, then=Value(True)), default=F("answered"))
    )
    team = _storage_team(person)
    _count_scores(round_, team, list(questions.values()), scores)
    if comment:
        PulseComment.objects.create(
            organisation_id=round_.organisation_id, round=round_, team=team, text=comment
        )
        _shuffle_comments(round_)


def _count_scores(
    round_: PulseRound, team: Team | None, questions: list[PulseQuestion], scores: dict[int, int]
) -> None:
    """Adds one answer to the tallies. The team's grid (every question × every value,
    from zero) is made at its first answer, and every answer rewrites the round's
    tallies, so neither which rows exist, nor their physical order, nor the transaction
    that last wrote them (PostgreSQL's xmin) tells what was answered last."""
    tallies = PulseTally.objects.filter(round=round_, team=team)
    if not tallies.exists():
        grid = [
            PulseTally(
                organisation_id=round_.organisation_id,
                round=round_,
                question=question,
                team=team,
                value=value,
                count=0,
            )
            for question in questions
            for value in range(question.bottom, question.top + 1)
        ]
        _random.shuffle(grid)
        PulseTally.objects.bulk_create(grid)
    if not scores:
        return
    answered = Q(pk__in=[])
    for question_id, value in scores.items():
        answered |= Q(question_id=question_id, value=value)
    answered &= Q(team__isnull=True) if team is None else Q(team=team)
    # The whole round's tallies, every team's: the rows written by this answer's
    # transaction (PostgreSQL's xmin) are all of them, whoever answered.
    PulseTally.objects.filter(round=round_).update(
        count=F("count") + Case(When(answered, then=Value(1)), default=Value(0))
    )


def _shuffle_comments(round_: PulseRound) -> None:
    """Rewrites the round's comments in random order (same keys and answers), so the
    newest comment is not the last row of the table."""
    rows = list(PulseComment.objects.filter(round=round_))
    _random.shuffle(rows)
    PulseComment.objects.filter(round=round_).delete()
    PulseComment.objects.bulk_create(rows)


@transaction.atomic
def do_reply_comment(actor: Person, comment: PulseComment, text: str) -> PulseComment:
    text = text.strip()
    if not text:
        raise WellbeingError(_("Write an answer."))
    if len(text) > MAX_COMMENT:
        raise WellbeingError(_("The answer is too long (at most 2000 characters)."))
    comment.reply = text
    comment.replied_by = actor
    comment.replied_at = timezone.now()
    comment.save(update_fields=["reply", "replied_by", "replied_at"])
    return comment


def parse_scores(data: Any, questions: list[PulseQuestion]) -> dict[int, int]:
    """``q<id>`` fields of a form as {question id: value}; an empty field is skipped."""
    scores: dict[int, int] = {}
    for question in questions:
        raw = data.get(f"q{question.pk}", "")
        if raw in ("", None):
            continue
        try:
            scores[question.pk] = int(raw)
        except (TypeError, ValueError) as exc:
            raise WellbeingError(_("An answer is outside its scale.")) from exc
    return scores

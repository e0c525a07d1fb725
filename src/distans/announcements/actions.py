"""Writes: saving, sending, seeing, acknowledging, reminding, escalating.

Live events are published after the commit (``distans.realtime.publish``); they say
only *that* something changed, pages re-fetch their fragments from the views."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from distans.accounts.models import Person
from distans.announcements import queries
from distans.announcements.choices import ChatStatus, Priority
from distans.announcements.models import Announcement, ChatNotice, ChatTarget, Receipt, Revision
from distans.announcements.render import plain_text, render_markdown
from distans.core.errors import InvalidInput
from distans.realtime.groups import org_group, person_group, supervisors_group
from distans.realtime.publish import publish

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("title_sv", "title_nb", "title_en", "body_sv", "body_nb", "body_en")
CHAT_RETRY_MINUTES = (1, 5, 15, 60)


def _announce_change(organisation_id: int) -> None:
    publish(org_group(organisation_id), "announcement")
    publish(supervisors_group(organisation_id), "announcement_receipt")


@transaction.atomic
def do_save_announcement(
    actor: Person | None,
    fields: dict[str, Any],
    articles: Iterable[Any] = (),
    announcement: Announcement | None = None,
    ask_new_ack: bool = False,
    organisation_id: int | None = None,
) -> Announcement:
    """Create or edit (``actor`` None: an integration's API key of ``organisation_id``).
    An edit after sending keeps the old text as a revision; with ``ask_new_ack``
    everyone must acknowledge the new version again."""
    now = timezone.now()
    org_id = actor.organisation_id if actor is not None else organisation_id
    if announcement is None:
        announcement = Announcement(organisation_id=org_id, created_by=actor)
    elif announcement.organisation_id != org_id:
        raise InvalidInput(_("No such announcement."))
    if (
        fields.get("valid_from")
        and fields.get("valid_until")
        and fields["valid_until"] <= fields["valid_from"]
    ):
        raise InvalidInput(_("The end of validity must come after its start."))
    was_sent = announcement.pk is not None and announcement.sent_at is not None
    text_changed = was_sent and any(
        fields.get(name, getattr(announcement, name)) != getattr(announcement, name)
        for name in TEXT_FIELDS
    )
    if text_changed or (was_sent and ask_new_ack):
        Revision.objects.create(
            organisation_id=announcement.organisation_id,
            announcement=announcement,
            version=announcement.version,
            title_sv=announcement.title_sv,
            body_sv=announcement.body_sv,
            texts={name: getattr(announcement, name) for name in TEXT_FIELDS},
            edited_by=actor,
            edited_at=now,
            asked_new_ack=ask_new_ack,
        )
        announcement.version += 1
        if ask_new_ack:
            announcement.ack_version = announcement.version
    for name, value in fields.items():
        setattr(announcement, name, value)
    if announcement.priority != Priority.ACKNOWLEDGE:
        announcement.blocks_available = False
    announcement.updated_at = now
    announcement.save()
    announcement.articles.set(
        [a for a in articles if a.organisation_id == announcement.organisation_id]
    )
    if was_sent:
        if ask_new_ack:
            first = now + dt.timedelta(hours=announcement.remind_after_hours)
            announcement.receipts.update(next_reminder_at=first, escalated_at=None, seen_at=None)
        _announce_change(announcement.organisation_id)
    return announcement


def _message(person: Person, announcement: Announcement, reminder: bool) -> EmailMessage:
    with translation.override(person.language):
        title = announcement.title_in(person.language)
        subject = _("Reminder: %(title)s") % {"title": title} if reminder else title
        context = {
            "announcement": announcement,
            "title": title,
            "html": render_markdown(announcement.body_in(person.language)),
            "text": plain_text(announcement.body_in(person.language)),
            "reminder": reminder,
            "person": person,
        }
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = settings.DEFAULT_FROM_EMAIL
        message["To"] = person.email
        message.set_content(render_to_string("announcements/mail.txt", context))
        message.add_alternative(
            render_to_string("announcements/mail.html", context), subtype="html"
        )
    return message


def _mail(person: Person, announcement: Announcement, reminder: bool = False) -> Any:
    from distans.channels_email.models import OutgoingPurpose
    from distans.channels_email.outbox import deliver_after_commit, queue_mail

    outgoing = queue_mail(
        announcement.organisation_id,
        _message(person, announcement, reminder),
        purpose=OutgoingPurpose.ANNOUNCEMENT,
    )
    deliver_after_commit(outgoing)
    return outgoing


def _chat(
    announcement: Announcement, targets: list[ChatTarget], title: str, body: str, now: dt.datetime
) -> None:
    notices = ChatNotice.objects.bulk_create(
        ChatNotice(
            organisation_id=announcement.organisation_id,
            target=target,
            announcement=announcement,
            title=title[:300],
            body=body,
            created_at=now,
            next_attempt_at=min(now, timezone.now()),
        )
        for target in targets
    )
    ids = [n.pk for n in notices if n.pk]
    if ids:
        transaction.on_commit(lambda: [deliver_chat(pk) for pk in ids], robust=True)


@transaction.atomic
def do_send_announcement(announcement: Announcement, now: dt.datetime | None = None) -> int:
    """Send now: fix the audience, deliver on every channel; returns how many people."""
    now = now or timezone.now()
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if locked.sent_at is not None:
        return 0
    people = list(
        Person.objects.filter(pk__in=queries.audience_ids(locked, now)).select_related("team")
    )
    starts = queries.shift_starts_today(locked.organisation, now)
    later = dt.timedelta(hours=locked.remind_after_hours)
    receipts = []
    for person in people:
        start = starts.get(person.pk)
        # First reminder: at the start of the person's shift when it is still ahead.
        first = start if start is not None and start > now else now + later
        receipts.append(
            Receipt(
                organisation_id=locked.organisation_id,
                announcement=locked,
                person=person,
                next_reminder_at=first if locked.must_acknowledge else None,
            )
        )
    Receipt.objects.bulk_create(receipts, ignore_conflicts=True, batch_size=1000)
    locked.sent_at = now
    locked.send_at = locked.send_at or now
    locked.save(update_fields=["sent_at", "send_at"])
    if locked.by_email:
        by_person = {r.person_id: r for r in Receipt.objects.filter(announcement=locked)}
        for person in people:
            receipt = by_person[person.pk]
            receipt.mail = _mail(person, locked)
            receipt.save(update_fields=["mail"])
    if locked.to_chat:
        targets = queries.chat_targets_for(locked.organisation_id, {p.team_id for p in people})
        _chat(locked, targets, locked.title_sv, plain_text(locked.body_sv), now)
    _announce_change(locked.organisation_id)
    announcement.refresh_from_db()
    return len(people)


def do_send_due_announcements(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = Announcement.objects.filter(sent_at__isnull=True, send_at__isnull=False, send_at__lte=now)
    return sum(do_send_announcement(a, now) for a in due[:50])


def do_mark_delivered(person: Person, receipt_ids: list[int]) -> None:
    """The person's page showed these (the desk or the home page fetched them)."""
    if receipt_ids:
        updated = Receipt.objects.filter(
            pk__in=receipt_ids, person=person, delivered_at__isnull=True
        ).update(delivered_at=timezone.now())
        if updated:
            publish(supervisors_group(person.organisation_id), "announcement_receipt")  # type: ignore[arg-type]


@transaction.atomic
def do_mark_seen(person: Person, receipt: Receipt) -> None:
    now = timezone.now()
    changed = Receipt.objects.filter(pk=receipt.pk, person=person, seen_at__isnull=True).update(
        seen_at=now
    )
    Receipt.objects.filter(pk=receipt.pk, delivered_at__isnull=True).update(delivered_at=now)
    if changed:
        publish(supervisors_group(person.organisation_id), "announcement_receipt")  # type: ignore[arg-type]


@transaction.atomic
def do_acknowledge(person: Person, receipt: Receipt) -> Receipt:
    now = timezone.now()
    announcement = receipt.announcement
    if not announcement.must_acknowledge:
        raise InvalidInput(_("This announcement needs no acknowledgement."))
    Receipt.objects.filter(pk=receipt.pk, person=person).update(
        acknowledged_at=now,
        acknowledged_version=announcement.ack_version,
        seen_at=Coalesce(F("seen_at"), now),
        delivered_at=Coalesce(F("delivered_at"), now),
        next_reminder_at=None,
    )
    publish(supervisors_group(announcement.organisation_id), "announcement_receipt")
    publish(person_group(person.pk), "announcement")
    receipt.refresh_from_db()
    return receipt


def _pending(announcement_ids: Iterable[int] | None = None) -> Any:
    query = Receipt.objects.filter(
        announcement__priority=Priority.ACKNOWLEDGE,
        announcement__sent_at__isnull=False,
        acknowledged_version__lt=F("announcement__ack_version"),
    )
    if announcement_ids is not None:
        query = query.filter(announcement_id__in=list(announcement_ids))
    return query


@transaction.atomic
def do_remind(receipts: list[Receipt], now: dt.datetime | None = None) -> int:
    """Remind each of these people on their channels: live on their pages, e-mail,
    and once per team in the team's (or organisation's) chat tool."""
    now = now or timezone.now()
    by_announcement: dict[int, list[Receipt]] = defaultdict(list)
    for receipt in receipts:
        by_announcement[receipt.announcement_id].append(receipt)
    for announcement_id, group in by_announcement.items():
        announcement = Announcement.objects.get(pk=announcement_id)
        people = {p.pk: p for p in Person.objects.filter(pk__in=[r.person_id for r in group])}
        for receipt in group:
            person = people[receipt.person_id]
            _mail(person, announcement, reminder=True)
            Receipt.objects.filter(pk=receipt.pk).update(
                reminders=F("reminders") + 1,
                last_reminded_at=now,
                next_reminder_at=now + dt.timedelta(hours=announcement.remind_after_hours),
            )
            publish(person_group(person.pk), "announcement_reminder", id=announcement.pk)
        names_by_team: dict[int | None, list[str]] = defaultdict(list)
        for person in people.values():
            names_by_team[person.team_id].append(person.full_name)
        for team_id, names in names_by_team.items():
            targets = [
                t
                for t in queries.chat_targets_for(announcement.organisation_id, [team_id])
                if t.team_id == team_id
            ] or (queries.chat_targets_for(announcement.organisation_id, []))
            with translation.override("sv"):
                title = _("Reminder: %(title)s") % {"title": announcement.title_sv}
                body = _("Not yet acknowledged by: %(names)s") % {"names": ", ".join(sorted(names))}
            _chat(announcement, targets, title, body, now)
    if receipts:
        publish(supervisors_group(receipts[0].organisation_id), "announcement_receipt")
    return len(receipts)


def do_remind_unacknowledged(actor: Person, announcement: Announcement) -> int:
    """A team leader's "remind now": everyone who has not acknowledged (a team
    leader without other roles: the own team's members only)."""
    query = _pending([announcement.pk]).filter(organisation_id=actor.organisation_id)
    if actor.is_team_leader and not (actor.is_supervisor or actor.is_org_admin):
        query = query.filter(person__team_id=actor.team_id)
    return do_remind(list(query))


def do_send_due_reminders(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = list(
        _pending()
        .filter(next_reminder_at__lte=now)
        .filter(Q(announcement__valid_until__isnull=True) | Q(announcement__valid_until__gt=now))
        .order_by("next_reminder_at")[:500]
    )
    return do_remind(due, now)


@transaction.atomic
def do_escalate_due(now: dt.datetime | None = None) -> int:
    """Tell each team leader, once per announcement, who in the team has still not
    acknowledged ``escalate_after_hours`` after the sending."""
    now = now or timezone.now()
    due = list(
        _pending()
        .filter(escalated_at__isnull=True, person__team__leader__isnull=False)
        .select_related("announcement", "person", "person__team__leader")
        .order_by("announcement_id")[:2000]
    )
    groups: dict[tuple[int, int], list[Receipt]] = defaultdict(list)
    for receipt in due:
        announcement = receipt.announcement
        assert announcement.sent_at is not None
        if announcement.sent_at + dt.timedelta(hours=announcement.escalate_after_hours) <= now:
            groups[(announcement.pk, receipt.person.team.leader_id)].append(receipt)  # type: ignore[union-attr]
    for (_announcement_id, _leader_id), receipts in groups.items():
        announcement = receipts[0].announcement
        leader = receipts[0].person.team.leader  # type: ignore[union-attr]
        assert leader is not None
        with translation.override(leader.language):
            message = EmailMessage()
            message["Subject"] = _("Not acknowledged: %(title)s") % {
                "title": announcement.title_in(leader.language)
            }
            message["From"] = settings.DEFAULT_FROM_EMAIL
            message["To"] = leader.email
            message.set_content(
                render_to_string(
                    "announcements/escalation.txt",
                    {
                        "announcement": announcement,
                        "names": sorted(r.person.full_name for r in receipts),
                    },
                )
            )
        from distans.channels_email.models import OutgoingPurpose
        from distans.channels_email.outbox import deliver_after_commit, queue_mail

        deliver_after_commit(
            queue_mail(announcement.organisation_id, message, purpose=OutgoingPurpose.ANNOUNCEMENT)
        )
        Receipt.objects.filter(pk__in=[r.pk for r in receipts]).update(escalated_at=now)
    return len(groups)


def deliver_chat(notice_id: int, now: dt.datetime | None = None) -> ChatNotice | None:
    """One attempt through Apprise; retried with back-off by the periodic job."""
    import apprise

    now = now or timezone.now()
    claimed = ChatNotice.objects.filter(
        pk=notice_id, status__in=[ChatStatus.QUEUED, ChatStatus.FAILED], next_attempt_at__lte=now
    ).update(next_attempt_at=now + dt.timedelta(minutes=2))
    if not claimed:
        return None
    notice = ChatNotice.objects.select_related("target").get(pk=notice_id)
    sender = apprise.Apprise()
    ok = sender.add(notice.target.url) and bool(sender.notify(title=notice.title, body=notice.body))
    attempts = notice.attempts + 1
    if ok:
        fields: dict[str, Any] = {
            "status": ChatStatus.SENT,
            "sent_at": timezone.now(),
            "next_attempt_at": None,
        }
    else:
        logger.warning("chat notice %s not sent to %s", notice_id, notice.target.name)
        delay = CHAT_RETRY_MINUTES[attempts - 1] if attempts <= len(CHAT_RETRY_MINUTES) else None
        fields = {
            "status": ChatStatus.FAILED,
            "next_attempt_at": timezone.now() + dt.timedelta(minutes=delay) if delay else None,
        }
    ChatNotice.objects.filter(pk=notice_id).update(attempts=attempts, **fields)
    notice.refresh_from_db()
    return notice


def send_due_chat(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = ChatNotice.objects.filter(
        status__in=[ChatStatus.QUEUED, ChatStatus.FAILED], next_attempt_at__lte=now
    ).values_list("pk", flat=True)[:100]
    return sum(
        1 for pk in list(due) if (n := deliver_chat(pk, now)) and n.status == ChatStatus.SENT
    )


@transaction.atomic
def do_save_phase(actor: Person, fields: dict[str, Any], phase: Any = None) -> Any:
    from distans.announcements.models import Phase

    if phase is None:
        phase = Phase(organisation_id=actor.organisation_id)
    elif phase.organisation_id != actor.organisation_id:
        raise InvalidInput(_("No such phase."))
    if fields.get("ends_on") and fields["ends_on"] < fields["starts_on"]:
        raise InvalidInput(_("A phase cannot end before it starts."))
    for name, value in fields.items():
        setattr(phase, name, value)
    phase.save()
    _announce_change(phase.organisation_id)
    return phase


def do_announce_phase_changes(now: dt.datetime | None = None) -> int:
    """For each organisation whose current phase has not been announced: an important
    announcement to everyone, in the three languages, with the phase's rules."""
    from distans.accounts.models import Organisation
    from distans.announcements.models import Phase

    now = now or timezone.now()
    count = 0
    org_ids = (
        Phase.objects.filter(announcement__isnull=True)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    for organisation in Organisation.objects.filter(pk__in=list(org_ids)):
        with transaction.atomic():
            phase = queries.current_phase(organisation, now)
            if phase is None:
                continue
            phase = Phase.objects.select_for_update().get(pk=phase.pk)
            if phase.announcement_id is not None:
                continue
            titles = {}
            for language in ("sv", "nb", "en"):
                with translation.override(language):
                    titles[language] = _("New phase: %(name)s") % {"name": phase.name}
            announcement = Announcement.objects.create(
                organisation=organisation,
                title_sv=titles["sv"],
                title_nb=titles["nb"],
                title_en=titles["en"],
                body_sv=phase.rules,
                priority=Priority.IMPORTANT,
                valid_from=now,
            )
            phase.announcement = announcement
            phase.save(update_fields=["announcement"])
            do_send_announcement(announcement, now)
            count += 1
    return count


def do_ask_question(person: Person, text: str) -> Any:
    from distans.announcements.models import Question

    text = text.strip()
    if not text:
        raise InvalidInput(_("Write your question."))
    if len(text) > 4000:
        raise InvalidInput(_("The question is too long (at most 4,000 characters)."))
    question = Question.objects.create(
        organisation_id=person.organisation_id, asked_by=person, text=text
    )
    publish(supervisors_group(person.organisation_id), "staff_question")  # type: ignore[arg-type]
    return question


@transaction.atomic
def do_answer_question(actor: Person, question: Any, answer: str, to_all: bool) -> Any:
    answer = answer.strip()
    if not answer:
        raise InvalidInput(_("Write an answer."))
    if question.organisation_id != actor.organisation_id:
        raise InvalidInput(_("No such question."))
    question.answer = answer
    question.to_all = to_all
    question.answered_by = actor
    question.answered_at = timezone.now()
    question.save()
    publish(supervisors_group(actor.organisation_id), "staff_question")  # type: ignore[arg-type]
    if question.asked_by_id:
        publish(person_group(question.asked_by_id), "staff_question")
    return question


def _newsletter_message(person: Person, digest: dict[str, Any]) -> EmailMessage:
    with translation.override(person.language):
        context = {**queries.newsletter_in(digest, person.language), "person": person}
        message = EmailMessage()
        message["Subject"] = _("Staff newsletter")
        message["From"] = settings.DEFAULT_FROM_EMAIL
        message["To"] = person.email
        message.set_content(render_to_string("announcements/newsletter.txt", context))
        message.add_alternative(
            render_to_string("announcements/newsletter.html", context), subtype="html"
        )
    return message


def _iso_week(moment: dt.datetime, time_zone: str) -> str:
    from zoneinfo import ZoneInfo

    return queries.iso_week_label(moment.astimezone(ZoneInfo(time_zone)).date())


def _send_newsletter(organisation: Any, days: int, now: dt.datetime) -> int:
    from distans.channels_email.models import OutgoingPurpose
    from distans.channels_email.outbox import deliver_after_commit, queue_mail

    digest = queries.newsletter(organisation, days, now)
    people = list(Person.objects.for_org(organisation).filter(is_active=True))
    for person in people:
        outgoing = queue_mail(
            organisation.pk,
            _newsletter_message(person, digest),
            purpose=OutgoingPurpose.ANNOUNCEMENT,
        )
        deliver_after_commit(outgoing)
    return len(people)


@transaction.atomic
def do_send_newsletter(actor: Person, days: int = 7, now: dt.datetime | None = None) -> int:
    """The digest to every active person of the organisation, through the outbox."""
    from distans.announcements.models import NewsletterIssue

    organisation = actor.organisation
    assert organisation is not None
    now = now or timezone.now()
    count = _send_newsletter(organisation, days, now)
    NewsletterIssue.objects.create(
        organisation=organisation,
        week=_iso_week(now, organisation.time_zone),
        sent_at=now,
        sent_by=actor,
        recipients=count,
    )
    return count


NEWSLETTER_FIELDS = ("weekly", "weekday", "hour")


@transaction.atomic
def do_save_newsletter_settings(actor: Person, weekly: bool, weekday: int, hour: int) -> Any:
    """Whether (and when) the newsletter goes out by itself each week; audited."""
    from distans.accounts.audit import record_change, snapshot
    from distans.announcements.models import NewsletterSettings

    organisation = actor.organisation
    assert organisation is not None
    if not 0 <= weekday <= 6 or not 0 <= hour <= 23:
        raise InvalidInput(_("Choose a weekday and an hour from 0 to 23."))
    row, _created = NewsletterSettings.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    before = snapshot(row, NEWSLETTER_FIELDS)
    row.weekly, row.weekday, row.hour = weekly, weekday, hour
    row.save()
    record_change(
        organisation, actor, "newsletter.settings", row, before, snapshot(row, NEWSLETTER_FIELDS)
    )
    return row


def do_send_weekly_newsletters(now: dt.datetime | None = None) -> int:
    """The periodic job: each organisation whose weekly newsletter is due (its weekday,
    at or after its hour, in its own time zone) and not yet sent this ISO week. The
    unique weekly issue per week makes a second process's attempt a no-op."""
    from zoneinfo import ZoneInfo

    from django.db import IntegrityError

    from distans.announcements.models import NewsletterIssue, NewsletterSettings

    now = now or timezone.now()
    sent = 0
    for row in NewsletterSettings.objects.filter(weekly=True).select_related("organisation"):
        organisation = row.organisation
        local = now.astimezone(ZoneInfo(organisation.time_zone))
        if local.weekday() != row.weekday or local.hour < row.hour:
            continue
        week = _iso_week(now, organisation.time_zone)
        if NewsletterIssue.objects.filter(
            organisation=organisation, week=week, automatic=True
        ).exists():
            continue
        try:
            with transaction.atomic():
                issue = NewsletterIssue.objects.create(
                    organisation=organisation, week=week, sent_at=now, automatic=True
                )
                issue.recipients = _send_newsletter(organisation, 7, now)
                issue.save(update_fields=["recipients"])
        except IntegrityError:  # another process sent it this week
            continue
        sent += 1
    return sent

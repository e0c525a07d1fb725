"""Reads for the agent desktop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from distans.accounts.models import Person
from distans.contacts.choices import ContactStatus
from distans.contacts.models import Attachment, Contact
from distans.core.reports import ContactCounts, PeriodMetrics, compute_metrics
from distans.core.reports.periods import Granularity, period_start
from distans.desk.models import Article, ArticleRead, CannedAnswer, Consultation
from distans.routing.models import AgentState


def today_start(person: Person) -> datetime:
    """The start of today (UTC instant) in the person's organisation's time zone."""
    zone = ZoneInfo(person.organisation.time_zone)  # type: ignore[union-attr]
    return period_start(timezone.now(), Granularity.DAY, zone)


def my_contact(person: Person, contact_id: int) -> Contact | None:
    """One of my contacts (in progress, or handled by me), else None."""
    return (
        Contact.objects.for_org(person.organisation_id)  # type: ignore[arg-type]
        .select_related("queue")
        .filter(pk=contact_id, agent=person)
        .first()
    )


def earlier_contacts(contact: Contact, limit: int = 10) -> list[Contact]:
    """Earlier contacts from the same phone number or e-mail address, newest first."""
    match = Q()
    if contact.customer_phone:
        match |= Q(customer_phone=contact.customer_phone)
    if contact.customer_email:
        match |= Q(customer_email__iexact=contact.customer_email)
    if not match:
        return []
    return list(
        Contact.objects.for_org(contact.organisation_id)
        .filter(match, enqueued_at__lt=contact.enqueued_at)
        .exclude(pk=contact.pk)
        .select_related("agent", "queue")
        .order_by("-enqueued_at")[:limit]
    )


def my_contacts_today(person: Person) -> list[Contact]:
    return list(
        Contact.objects.filter(agent=person, accepted_at__gte=today_start(person))
        .select_related("queue")
        .order_by("-accepted_at")
    )


@dataclass(frozen=True)
class MyStatistics:
    handled: int
    metrics: PeriodMetrics


def my_statistics_today(person: Person) -> MyStatistics:
    """Handled contacts today and average handle time (handled time / answered, the
    reports' AHT without wrap-up: distans.core.reports.metrics)."""
    ended = Contact.objects.filter(
        agent=person, status=ContactStatus.COMPLETED, accepted_at__gte=today_start(person)
    ).values_list("accepted_at", "ended_at")
    talk_ms = 0
    count = 0
    for accepted_at, ended_at in ended:
        if accepted_at and ended_at:
            count += 1
            talk_ms += round((ended_at - accepted_at).total_seconds() * 1000)
    counts = ContactCounts(offered=count, answered=count, talk_ms=talk_ms)
    return MyStatistics(handled=count, metrics=compute_metrics(counts))


def canned_answers(person: Person) -> list[CannedAnswer]:
    return list(CannedAnswer.objects.for_org(person.organisation_id))  # type: ignore[arg-type]


def my_consultations(person: Person, limit: int = 20) -> list[Consultation]:
    return list(
        Consultation.objects.for_org(person.organisation_id)  # type: ignore[arg-type]
        .filter(participants=person)
        .select_related("contact", "started_by")
        .prefetch_related("messages__author", "participants")[:limit]
    )


def colleagues(person: Person) -> QuerySet[Person]:
    return (
        Person.objects.for_org(person.organisation_id)  # type: ignore[arg-type]
        .filter(is_active=True)
        .exclude(pk=person.pk)
        .order_by("full_name")
    )


def articles_for(person: Person, search: str = "") -> list[Article]:
    """Articles with ``is_unread`` (never opened, or changed since the person last did)."""
    reads = ArticleRead.objects.filter(
        article=OuterRef("pk"), person=person, read_at__gte=OuterRef("updated_at")
    )
    articles = Article.objects.for_org(person.organisation_id).annotate(  # type: ignore[arg-type]
        is_read=Exists(reads)
    )
    if search:
        articles = articles.filter(
            Q(title__icontains=search) | Q(body__icontains=search) | Q(topic__icontains=search)
        )
    return list(articles.order_by("is_read", "-updated_at")[:50])


def article(person: Person, article_id: int) -> Article | None:
    return Article.objects.for_org(person.organisation_id).filter(pk=article_id).first()  # type: ignore[arg-type]


def team_states(person: Person) -> list[AgentState]:
    """My team's members' presence and location (everyone in the org without a team)."""
    states = AgentState.objects.for_org(person.organisation_id).select_related(  # type: ignore[arg-type]
        "person", "site"
    )
    if person.team_id:
        states = states.filter(person__team_id=person.team_id)
    return list(states.order_by("person__full_name"))


def attachment_for(person: Person, attachment_id: int) -> Attachment | None:
    """An attachment of one of my contacts."""
    return (
        Attachment.objects.for_org(person.organisation_id)  # type: ignore[arg-type]
        .filter(pk=attachment_id, message__contact__agent=person)
        .first()
    )

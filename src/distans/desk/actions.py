"""Desk writes: notes, internal notes, replies, "ask a colleague", knowledge articles.

Routing transitions (presence, offers, wrap-up, transfer) are routing's actions; the
desk views call those directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from distans.accounts.models import Person
from distans.contacts.choices import MessageDirection
from distans.contacts.models import Contact, Message
from distans.contacts.replies import send_reply
from distans.core.errors import InvalidInput
from distans.desk.models import Article, ArticleRead, Consultation, ConsultationMessage
from distans.realtime.groups import org_group, person_group
from distans.realtime.publish import publish

MENTION = re.compile(r"@([\w.\-]+)", re.UNICODE)


@transaction.atomic
def do_save_notes(person: Person, contact: Contact, notes: str) -> Contact:
    if contact.agent_id != person.pk:
        raise InvalidInput(_("Only the agent handling the contact can change its notes."))
    contact.notes = notes[:20_000]
    contact.save(update_fields=["notes"])
    return contact


@transaction.atomic
def do_add_internal_note(person: Person, contact: Contact, text: str) -> Message:
    if not text.strip():
        raise InvalidInput(_("Write the note first."))
    message = Message.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        direction=MessageDirection.INTERNAL,
        author=person,
        sender=person.full_name,
        body_text=text.strip(),
    )
    publish(person_group(person.pk), "message", contact_id=contact.pk)
    return message


def do_send_reply(person: Person, contact: Contact, text: str, attachments: tuple = ()) -> object:
    """Send a reply on the contact's own channel (the channel app's registered sender)."""
    if not text.strip():
        raise InvalidInput(_("Write the reply first."))
    with transaction.atomic():
        message = send_reply(contact, person, text.strip(), attachments=attachments)
        publish(person_group(person.pk), "message", contact_id=contact.pk)
    return message


def mentioned_people(person: Person, text: str) -> list[Person]:
    """Colleagues named as ``@first-name`` or ``@e-mail-local-part`` in ``text``."""
    names = {name.lower().rstrip(".") for name in MENTION.findall(text)}
    if not names:
        return []
    query = Q()
    for name in names:
        query |= Q(email__istartswith=f"{name}@") | Q(full_name__istartswith=f"{name} ")
        query |= Q(full_name__iexact=name)
    return list(
        Person.objects.for_org(person.organisation_id)  # type: ignore[arg-type]
        .filter(query, is_active=True)
        .exclude(pk=person.pk)
    )


@transaction.atomic
def do_ask_colleague(
    person: Person,
    text: str,
    *,
    contact: Contact | None = None,
    consultation: Consultation | None = None,
    colleagues: Iterable[Person] = (),
) -> ConsultationMessage:
    """Post to an internal thread (a new one if ``consultation`` is None); every
    participant and everyone @mentioned hears about it live."""
    if not text.strip():
        raise InvalidInput(_("Write your question first."))
    now = timezone.now()
    if consultation is None:
        consultation = Consultation.objects.create(
            organisation_id=person.organisation_id,
            contact=contact,
            started_by=person,
            created_at=now,
            updated_at=now,
        )
        consultation.participants.add(person)
    elif not consultation.participants.filter(pk=person.pk).exists():
        raise InvalidInput(_("You are not part of this conversation."))
    mentions = {p.pk: p for p in [*colleagues, *mentioned_people(person, text)]}
    for colleague in mentions.values():
        if colleague.organisation_id != person.organisation_id:
            raise InvalidInput(_("No such colleague."))
    if consultation.participants.count() == 1 and not mentions:
        raise InvalidInput(_("Choose a colleague or @mention one."))
    message = ConsultationMessage.objects.create(
        organisation_id=person.organisation_id,
        consultation=consultation,
        author=person,
        body=text.strip()[:5000],
        created_at=now,
    )
    message.mentions.set(mentions.values())
    consultation.participants.add(*mentions.values())
    consultation.updated_at = now
    consultation.save(update_fields=["updated_at"])
    for participant_id in consultation.participants.values_list("pk", flat=True):
        publish(person_group(participant_id), "consultation", consultation_id=consultation.pk)
    return message


@transaction.atomic
def do_save_article(
    person: Person, title: str, body: str, topic: str = "", article: Article | None = None
) -> Article:
    if not title.strip() or not body.strip():
        raise InvalidInput(_("An article needs a title and a text."))
    now = timezone.now()
    if article is None:
        article = Article(organisation_id=person.organisation_id)
    article.title = title.strip()[:200]
    article.body = body.strip()
    article.topic = topic.strip()[:100]
    article.updated_at = now
    article.updated_by = person
    article.save()
    ArticleRead.objects.update_or_create(
        article=article,
        person=person,
        defaults={"organisation_id": person.organisation_id, "read_at": now},
    )
    publish(org_group(person.organisation_id), "articles", article_id=article.pk)  # type: ignore[arg-type]
    return article


@transaction.atomic
def do_mark_article_read(person: Person, article: Article) -> None:
    ArticleRead.objects.update_or_create(
        article=article,
        person=person,
        defaults={"organisation_id": person.organisation_id, "read_at": timezone.now()},
    )

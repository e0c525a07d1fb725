"""Factories for the desk's and wallboard's tests."""

from __future__ import annotations

from typing import Any

from distans.accounts.models import Organisation, Person


def make_topic(organisation: Organisation, name: str = "Bygglov", **fields: Any) -> Any:
    from distans.desk.models import TopicChoice

    return TopicChoice.objects.create(organisation=organisation, name=name, **fields)


def make_canned_answer(organisation: Organisation, **fields: Any) -> Any:
    from distans.desk.models import CannedAnswer

    fields.setdefault("title", "Tack")
    fields.setdefault("body", "Tack för ditt meddelande.")
    return CannedAnswer.objects.create(organisation=organisation, **fields)


def make_article(organisation: Organisation, **fields: Any) -> Any:
    from distans.desk.models import Article

    fields.setdefault("title", "Corona: besöksregler")
    fields.setdefault("body", "Besök är tillåtna med munskydd.")
    return Article.objects.create(organisation=organisation, **fields)


def make_consultation(person: Person, colleague: Person, text: str = "Hur gör vi?") -> Any:
    from distans.desk.models import Consultation, ConsultationMessage

    consultation = Consultation.objects.create(organisation=person.organisation, started_by=person)
    consultation.participants.set([person, colleague])
    ConsultationMessage.objects.create(
        organisation=person.organisation, consultation=consultation, author=person, body=text
    )
    return consultation

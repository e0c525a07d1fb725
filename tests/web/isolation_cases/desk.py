"""Tenant isolation of the agent desktop: B's agent never sees or changes A's rows."""

from __future__ import annotations

from typing import Any

from tests.factories_desk import make_article, make_canned_answer, make_consultation, make_topic
from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder


@world_builder
def _desk_world(world: World) -> None:
    from distans.contacts.models import Attachment, Message

    make_topic(world.org_a, name="Alfaämne")
    make_canned_answer(world.org_a, title="Alfasvar", body="Alfatext")
    world.extra["article_a"] = make_article(world.org_a, title="Alfaartikel", body="Hemligt alfa")
    colleague = type(world.person_a).objects.create_user(
        "alfa-colleague@example.org", "x", organisation=world.org_a, full_name="Alfa Kollega"
    )
    world.extra["consultation_a"] = make_consultation(world.person_a, colleague, "Alfafråga")
    message = Message.objects.create(
        organisation=world.org_a,
        contact=world.extra["active_a"],
        direction="in",
        body_text="Alfameddelande",
    )
    world.extra["attachment_a"] = Attachment.objects.create(
        organisation=world.org_a,
        message=message,
        filename="alfa.txt",
        content_type="text/plain",
        size_bytes=4,
        file="attachments/alfa.txt",
    )


ALFA = must_not_show(
    lambda w: w.person_a.full_name,
    lambda w: "Alfaämne",
    lambda w: "Alfasvar",
    lambda w: "Alfaartikel",
    lambda w: "Alfafråga",
    lambda w: "Alfakön",
    lambda w: "Alfakontoret",
)


def _get(path: str) -> Any:
    return lambda world: [Probe("get", path, ALFA)]


for _name, _path in [
    ("desk:index", "/desk/"),
    ("desk:state", "/desk/state/"),
    ("desk:offers", "/desk/offers/"),
    ("desk:workspaces", "/desk/work/"),
    ("desk:consultations", "/desk/consultations/"),
    ("desk:articles", "/desk/articles/?q=Alfa"),
    ("desk:today", "/desk/today/"),
    ("desk:team", "/desk/team/"),
    ("desk:article_new", "/desk/articles/new/"),
]:
    case(_name)(_get(_path))


def _active(world: World) -> Any:
    return world.extra["active_a"]


def contact_untouched(response: Any, world: World) -> None:
    assert response.status_code in (403, 404), response.status_code
    contact = _active(world)
    before = (contact.status, contact.agent_id, contact.queue_id, contact.notes, contact.topic)
    contact.refresh_from_db()
    assert (
        contact.status,
        contact.agent_id,
        contact.queue_id,
        contact.notes,
        contact.topic,
    ) == before
    assert contact.messages.count() == 1


@case("desk:thread")
def _thread(world: World) -> list[Probe]:
    return [
        Probe(
            "get",
            f"/desk/contacts/{_active(world).pk}/thread/",
            lambda r, w: (denied(r, w), ALFA(r, w)),
        )
    ]


@case("desk:reply")
def _reply(world: World) -> list[Probe]:
    return [
        Probe(
            "post", f"/desk/contacts/{_active(world).pk}/reply/", contact_untouched, {"text": "x"}
        )
    ]


@case("desk:internal_note")
def _note(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/desk/contacts/{_active(world).pk}/internal-note/",
            contact_untouched,
            {"text": "x"},
        )
    ]


@case("desk:notes")
def _notes(world: World) -> list[Probe]:
    return [
        Probe(
            "post", f"/desk/contacts/{_active(world).pk}/notes/", contact_untouched, {"notes": "x"}
        )
    ]


@case("desk:complete")
def _complete(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/desk/contacts/{_active(world).pk}/complete/",
            contact_untouched,
            {"topic": "x"},
        )
    ]


@case("desk:transfer")
def _transfer(world: World) -> list[Probe]:
    target = f"queue:{world.extra['queue_a'].pk}"
    return [
        Probe(
            "post",
            f"/desk/contacts/{_active(world).pk}/transfer/",
            contact_untouched,
            {"target": target},
        )
    ]


def offer_open(response: Any, world: World) -> None:
    offer = world.extra["offer_a"]
    offer.refresh_from_db()
    assert offer.status == "open"
    assert b"Kund Alfasson" not in response.content


@case("desk:accept")
def _accept(world: World) -> list[Probe]:
    return [Probe("post", f"/desk/offers/{world.extra['offer_a'].pk}/accept/", offer_open)]


@case("desk:decline")
def _decline(world: World) -> list[Probe]:
    return [Probe("post", f"/desk/offers/{world.extra['offer_a'].pk}/decline/", offer_open)]


def _a_agent_unchanged(response: Any, world: World) -> None:
    from distans.routing.models import AgentState

    state = AgentState.objects.get(person=world.person_a)
    assert state.presence == "available" and state.site_id is None


@case("desk:presence")
def _presence(world: World) -> list[Probe]:
    return [Probe("post", "/desk/presence/", _a_agent_unchanged, {"presence": "break"})]


@case("desk:end_wrap_up")
def _end_wrap_up(world: World) -> list[Probe]:
    return [Probe("post", "/desk/wrap-up/end/", _a_agent_unchanged)]


@case("desk:location")
def _location(world: World) -> list[Probe]:
    def check(response: Any, w: World) -> None:
        assert response.status_code == 404, response.status_code
        _a_agent_unchanged(response, w)

    return [Probe("post", "/desk/location/", check, {"site": world.extra["site_a"].pk})]


@case("desk:ask")
def _ask(world: World) -> list[Probe]:
    def check(response: Any, w: World) -> None:
        from distans.desk.models import ConsultationMessage

        assert response.status_code in (200, 404), response.status_code
        assert ConsultationMessage.objects.filter(organisation=w.org_a).count() == 1
        assert not ConsultationMessage.objects.filter(mentions=w.person_a).exists()

    text = f"@{world.person_a.email.split('@')[0]} hej"
    return [
        Probe("post", "/desk/consultations/new/", check, {"text": text}),
        Probe(
            "post",
            "/desk/consultations/new/",
            check,
            {"text": "hej", "colleague": world.person_a.pk},
        ),
        Probe(
            "post", "/desk/consultations/new/", check, {"text": "hej", "contact": _active(world).pk}
        ),
    ]


@case("desk:consultation_reply")
def _consultation_reply(world: World) -> list[Probe]:
    def check(response: Any, w: World) -> None:
        assert response.status_code == 404, response.status_code
        assert w.extra["consultation_a"].messages.count() == 1

    return [
        Probe(
            "post",
            f"/desk/consultations/{world.extra['consultation_a'].pk}/reply/",
            check,
            {"text": "x"},
        )
    ]


@case("desk:article")
def _article(world: World) -> list[Probe]:
    return [
        Probe(
            "get",
            f"/desk/articles/{world.extra['article_a'].pk}/",
            lambda r, w: (denied(r, w), ALFA(r, w)),
        )
    ]


@case("desk:article_edit")
def _article_edit(world: World) -> list[Probe]:
    def unchanged(response: Any, w: World) -> None:
        denied(response, w)
        article = w.extra["article_a"]
        article.refresh_from_db()
        assert article.title == "Alfaartikel"

    path = f"/desk/articles/{world.extra['article_a'].pk}/edit/"
    return [
        Probe("get", path, lambda r, w: (denied(r, w), ALFA(r, w))),
        Probe("post", path, unchanged, {"title": "Hijacked", "body": "x", "topic": ""}),
    ]


@case("desk:attachment")
def _attachment(world: World) -> list[Probe]:
    return [Probe("get", f"/desk/attachments/{world.extra['attachment_a'].pk}/", denied)]


@case("desk:suggestions")
def _suggestions(world: World) -> list[Probe]:
    return [
        Probe(
            "get",
            f"/desk/contacts/{_active(world).pk}/suggestions/",
            lambda r, w: (denied(r, w), ALFA(r, w)),
        )
    ]

"""Chat widget and web form: public by key. Organisation B's widget never shows A's
rows, and B's person cannot reach A's widget by anything but its public key."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder


@world_builder
def _chat_world(world: World) -> None:
    from distans.channels_chat.models import ChatWidget
    from distans.routing.models import Queue

    queue_b = Queue.objects.for_org(world.org_b).first()
    world.extra["widget_a"] = ChatWidget.objects.create(
        organisation=world.org_a,
        name="alfa.se",
        queue=world.extra["queue_a"],
        topics=["Alfaämne"],
        greetings={"sv": "Alfahälsning"},
    )
    world.extra["widget_b"] = ChatWidget.objects.create(
        organisation=world.org_b, name="beta.se", queue=queue_b, topics=["Betaämne"]
    )


def _a_secrets(world: World) -> list[Any]:
    return [lambda w: w.extra["widget_a"].key, lambda w: "Alfaämne", lambda w: w.org_a.name]


@case("channels_chat:widget_js")
def _widget_js(world: World) -> list[Probe]:
    return [Probe("get", "/chat/widget.js", must_not_show(*_a_secrets(world)))]


def _no_form_contact_in_a(response: Any, world: World) -> None:
    from distans.contacts.models import Contact

    assert not Contact.objects.filter(organisation=world.org_a, channel="form").exists()


@case("channels_chat:form")
def _form(world: World) -> list[Probe]:
    b_key = world.extra["widget_b"].key
    return [
        Probe("get", f"/chat/form/{b_key}/", must_not_show(*_a_secrets(world))),
        Probe("get", "/chat/form/not-a-key/", denied),
        Probe(
            "post",
            f"/chat/form/{b_key}/",
            # (the invalid-choice error echoes the prober's own input, so only A's key and name)
            lambda r, w: (
                must_not_show(lambda w: w.extra["widget_a"].key, lambda w: w.org_a.name)(r, w),
                _no_form_contact_in_a(r, w),
            ),
            data={"name": "B", "email": "b@example.se", "topic": "Alfaämne", "message": "hej"},
        ),
    ]


@case("channels_chat:demo")
def _demo(world: World) -> list[Probe]:
    # Only the demo organisation's widget is ever shown; neither world organisation is it.
    return [
        Probe(
            "get", "/chat/demo/", lambda r, w: (denied(r, w), must_not_show(*_a_secrets(w))(r, w))
        )
    ]


def _chat_a(world: World) -> Any:
    """A's active chat, made by the case itself (a world builder would change the
    contact counts other apps' cases assert)."""
    from distans.contacts.models import Contact, Message

    if "chat_a" not in world.extra:
        chat = Contact.objects.create(
            organisation=world.org_a,
            queue=world.extra["queue_a"],
            channel="chat",
            status="active",
            agent=world.person_a,
        )
        Message.objects.create(
            organisation=world.org_a, contact=chat, direction="in", body_text="Alfafrågan"
        )
        world.extra["chat_a"] = chat
    return world.extra["chat_a"]


def _no_reply_in_a(response: Any, world: World) -> None:
    from distans.contacts.models import Message

    denied(response, world)
    assert not Message.objects.filter(organisation=world.org_a, direction="out").exists()


@case("api:chat_lines")
def _api_chat_lines(world: World) -> list[Probe]:
    path = f"/api/chats/{_chat_a(world).pk}/lines"
    return [
        Probe("get", path, lambda r, w: (denied(r, w), must_not_show(lambda w: "Alfafrågan")(r, w)))
    ]


@case("api:send_chat_line")
def _api_send_chat_line(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/api/chats/{_chat_a(world).pk}/lines",
            _no_reply_in_a,
            {"text": "kapat"},
            True,
        )
    ]


@case("api:agent_typing")
def _api_agent_typing(world: World) -> list[Probe]:
    return [Probe("post", f"/api/chats/{_chat_a(world).pk}/typing", denied, {}, True)]


@case("api:my_chats")
def _api_my_chats(world: World) -> list[Probe]:
    _chat_a(world)
    return [Probe("get", "/api/chats/mine", lambda r, w: (assert_json_empty(r), None)[1])]


def assert_json_empty(response: Any) -> None:
    assert response.status_code == 200, response.status_code
    assert response.json() == []

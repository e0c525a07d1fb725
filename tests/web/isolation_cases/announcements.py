"""Tenant isolation of announcements: B's supervisor (also team leader and admin) never
reads, sends, edits, reminds about or acknowledges A's announcements, nor sees A's
people in proof or reach."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder


@world_builder
def _announcements_world(world: World) -> None:
    from tests.factories_announcements import make_announcement, shift_today

    from distans.announcements.actions import do_send_announcement

    shift_today(world.person_a)
    sent = make_announcement(
        world.org_a,
        world.person_a,
        title_sv="Alfameddelande",
        body_sv="Alfatext",
        audience_kind="everyone",
    )
    do_send_announcement(sent)
    draft = make_announcement(
        world.org_a, world.person_a, title_sv="Alfautkast", body_sv="Alfautkasttext"
    )
    world.extra.update(announcement_a=sent, announcement_draft_a=draft)


ALFA = must_not_show(
    lambda w: "Alfameddelande",
    lambda w: "Alfatext",
    lambda w: "Alfautkast",
    lambda w: w.person_a.full_name,
)


def _denied(response: Any, world: World) -> None:
    denied(response, world)
    ALFA(response, world)


def _a(world: World) -> int:
    return int(world.extra["announcement_a"].pk)


def _unchanged(response: Any, world: World) -> None:
    from distans.announcements.models import Announcement, Receipt

    _denied(response, world)
    draft = Announcement.objects.get(pk=world.extra["announcement_draft_a"].pk)
    assert draft.sent_at is None and draft.title_sv == "Alfautkast"
    sent = Announcement.objects.get(pk=_a(world))
    assert sent.version == 1 and sent.title_sv == "Alfameddelande"
    receipt = Receipt.objects.get(announcement=sent)
    assert receipt.reminders == 0 and receipt.acknowledged_at is None and receipt.seen_at is None


@case("announcements:index")
def _index(world: World) -> list[Probe]:
    return [Probe("get", "/announcements/", ALFA)]


@case("announcements:mine")
def _mine(world: World) -> list[Probe]:
    return [Probe("get", "/announcements/mine/", ALFA)]


@case("announcements:reach")
def _reach(world: World) -> list[Probe]:
    return [
        Probe("get", "/announcements/reach/", ALFA),
        Probe("get", "/announcements/reach/?mine=1", ALFA),
    ]


@case("announcements:reach_history")
def _reach_history(world: World) -> list[Probe]:
    return [
        Probe("get", "/announcements/reach/history/", ALFA),
        # A's team asked for by B's supervisor: ignored, nothing of A's shown
        Probe(
            "get",
            f"/announcements/reach/history/?from=2020-01-01&team={world.extra['team_a'].pk}",
            must_not_show(lambda w: "Alfameddelande", lambda w: "Alfalaget"),
        ),
    ]


@case("announcements:new")
def _new(world: World) -> list[Probe]:
    def no_article_of_a(response: Any, world: World) -> None:
        ALFA(response, world)
        assert "Alfakön" not in response.content.decode()

    return [Probe("get", "/announcements/new/", no_article_of_a)]


@case("announcements:detail")
def _detail(world: World) -> list[Probe]:
    return [Probe("get", f"/announcements/{_a(world)}/", _denied)]


@case("announcements:edit")
def _edit(world: World) -> list[Probe]:
    data = {"title_sv": "Betas", "body_sv": "B", "priority": "info", "audience_kind": "everyone",
            "remind_after_hours": 1, "escalate_after_hours": 1}  # fmt: skip
    return [
        Probe("get", f"/announcements/{world.extra['announcement_draft_a'].pk}/edit/", _denied),
        Probe("post", f"/announcements/{world.extra['announcement_draft_a'].pk}/edit/", _unchanged, data),
        Probe(
            "post", f"/announcements/{_a(world)}/edit/", _unchanged, {**data, "ask_new_ack": "on"}
        ),
    ]


@case("announcements:proof")
def _proof(world: World) -> list[Probe]:
    return [Probe("get", f"/announcements/{_a(world)}/proof/", _denied)]


@case("announcements:send")
def _send(world: World) -> list[Probe]:
    return [Probe("post", f"/announcements/{world.extra['announcement_draft_a'].pk}/send/", _unchanged)]


@case("announcements:remind")
def _remind(world: World) -> list[Probe]:
    return [Probe("post", f"/announcements/{_a(world)}/remind/", _unchanged)]


@case("announcements:read")
def _read(world: World) -> list[Probe]:
    return [Probe("get", f"/announcements/{_a(world)}/read/", _unchanged)]


@case("announcements:acknowledge")
def _acknowledge(world: World) -> list[Probe]:
    return [Probe("post", f"/announcements/{_a(world)}/acknowledge/", _unchanged)]


@world_builder
def _phases_world(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from distans.announcements.models import Phase

    phase = Phase.objects.create(
        organisation=world.org_a,
        name="Alfafasen",
        starts_on=timezone.localdate() - dt.timedelta(days=1),
        rules="Alfaregler",
    )
    world.extra["phase_a"] = phase


PHASE_A = must_not_show(lambda w: "Alfafasen", lambda w: "Alfaregler")


def _phase_unchanged(response: Any, world: World) -> None:
    from distans.announcements.models import Phase

    denied(response, world)
    PHASE_A(response, world)
    assert Phase.objects.get(pk=world.extra["phase_a"].pk).name == "Alfafasen"


@case("announcements:phases")
def _phases(world: World) -> list[Probe]:
    return [Probe("get", "/announcements/phases/", PHASE_A)]


@case("announcements:phase_edit")
def _phase_edit(world: World) -> list[Probe]:
    path = f"/announcements/phases/{world.extra['phase_a'].pk}/"
    return [
        Probe("get", path, _phase_unchanged),
        Probe(
            "post",
            path,
            _phase_unchanged,
            {"name": "Betafas", "starts_on": "2026-01-01", "rules": "B"},
        ),
    ]


def _api_denied(response: Any, world: World) -> None:
    assert response.status_code in (403, 404), response.status_code
    ALFA(response, world)


@case("api:list_announcements")
def _api_list(world: World) -> list[Probe]:
    return [Probe("get", "/api/announcements", ALFA)]


@case("api:create_announcement")
def _api_create(world: World) -> list[Probe]:
    def nothing_in_a(response: Any, world: World) -> None:
        from distans.announcements.models import Announcement

        assert response.status_code in (201, 403), response.status_code
        assert not Announcement.objects.filter(
            organisation=world.org_a, title_sv="Betaprov"
        ).exists()

    data = {"title_sv": "Betaprov", "body_sv": "B", "send_now": True}
    return [Probe("post", "/api/announcements", nothing_in_a, data, True)]


@case("api:get_announcement")
def _api_get(world: World) -> list[Probe]:
    return [Probe("get", f"/api/announcements/{_a(world)}", _api_denied)]


@case("api:announcement_receipts")
def _api_receipts(world: World) -> list[Probe]:
    return [Probe("get", f"/api/announcements/{_a(world)}/receipts", _api_denied)]


@world_builder
def _questions_world(world: World) -> None:
    from distans.announcements.models import Question

    world.extra["question_a"] = Question.objects.create(
        organisation=world.org_a, asked_by=world.person_a, text="Alfafråga"
    )
    Question.objects.create(
        organisation=world.org_a, asked_by=world.person_a, text="Alfafaq", answer="Alfasvar",
        to_all=True, answered_at=world.org_a.created_at,
    )  # fmt: skip


QUESTIONS_A = must_not_show(lambda w: "Alfafråga", lambda w: "Alfafaq", lambda w: "Alfasvar")


@case("announcements:questions")
def _questions(world: World) -> list[Probe]:
    return [
        Probe("get", "/announcements/questions/?q=Alfa", QUESTIONS_A),
        Probe("get", "/announcements/questions/", QUESTIONS_A),
    ]


@case("announcements:answer")
def _answer(world: World) -> list[Probe]:
    def unanswered(response: Any, world: World) -> None:
        denied(response, world)
        question = world.extra["question_a"]
        question.refresh_from_db()
        assert question.answered_at is None and question.answer == ""

    return [
        Probe(
            "post",
            f"/announcements/questions/{world.extra['question_a'].pk}/answer/",
            unanswered,
            {"answer": "Beta", "to_all": "on"},
        )
    ]


@case("announcements:newsletter")
def _newsletter(world: World) -> list[Probe]:
    def no_mail_to_a(response: Any, world: World) -> None:
        from distans.channels_email.models import OutgoingMail

        ALFA(response, world)
        # (other apps' worlds may mail A for their own reasons: the newsletter is not one)
        newsletter = {"Staff newsletter", "Personalens nyhetsbrev", "Nyhetsbrev for ansatte"}
        assert not OutgoingMail.objects.filter(
            recipients__contains=world.person_a.email, subject__in=newsletter
        ).exists()

    def a_settings_untouched(response: Any, world: World) -> None:
        from distans.announcements.models import NewsletterSettings

        ALFA(response, world)
        assert not NewsletterSettings.objects.filter(organisation=world.org_a).exists()

    return [
        Probe("get", "/announcements/newsletter/", ALFA),
        Probe("post", "/announcements/newsletter/", no_mail_to_a),
        Probe(
            "post",
            "/announcements/newsletter/",
            a_settings_untouched,
            {"save_settings": "1", "weekly": "on", "weekday": "0", "hour": "7"},
        ),
    ]

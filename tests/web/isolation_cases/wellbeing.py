"""Tenant isolation of wellbeing: B's person (team leader, supervisor and admin of B)
never reads or writes A's check-ins, notes, follow-ups, meetings, pulse comments,
answers or questions."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder


@world_builder
def _wellbeing_world(world: World) -> None:
    from distans.wellbeing import actions, queries
    from distans.wellbeing.models import FollowUp, PulseComment, PulseQuestion

    org = world.org_a
    today = queries.local_today(org.pk)
    checkin = actions.do_record_checkin(
        world.person_a, world.person_a, "call", today, "Alfanotering", "Alfauppföljning"
    )
    actions.do_save_meeting(
        world.person_a, world.extra["team_a"], today, [world.person_a.pk], "Alfamöte"
    )
    round_ = actions.do_open_round(org.pk, today)
    actions.do_answer_pulse(world.person_a, round_, {}, "Alfakommentar")
    comment = PulseComment.objects.get(organisation=org)
    actions.do_reply_comment(world.person_a, comment, "Alfasvar")
    world.extra.update(
        wb_checkin_a=checkin,
        wb_follow_up_a=FollowUp.objects.get(checkin=checkin),
        wb_comment_a=comment,
        wb_question_a=PulseQuestion.objects.for_org(org).get(code="mood"),
    )


ALFA = must_not_show(
    lambda w: w.person_a.full_name,
    lambda w: "Alfanotering",
    lambda w: "Alfauppföljning",
    lambda w: "Alfamöte",
    lambda w: "Alfakommentar",
    lambda w: "Alfasvar",
    lambda w: "Alfalaget",
)


def _denied(response: Any, world: World) -> None:
    denied(response, world)
    ALFA(response, world)


def _unchanged(response: Any, world: World) -> None:
    from distans.wellbeing.models import CheckIn, FollowUp, PulseComment, PulseQuestion, TeamMeeting

    _denied(response, world)
    assert CheckIn.objects.filter(person=world.person_a).count() == 1
    assert FollowUp.objects.get(pk=world.extra["wb_follow_up_a"].pk).done_at is None
    assert PulseComment.objects.get(pk=world.extra["wb_comment_a"].pk).reply == "Alfasvar"
    assert PulseQuestion.objects.get(pk=world.extra["wb_question_a"].pk).active
    meeting = TeamMeeting.objects.get(team=world.extra["team_a"])
    assert list(meeting.attendees.values_list("pk", flat=True)) == [world.person_a.pk]


def _team_a(world: World) -> int:
    return int(world.extra["team_a"].pk)


@case("wellbeing:checkins")
def _checkins(world: World) -> list[Probe]:
    return [
        Probe("get", "/wellbeing/checkins/", ALFA),
        Probe("get", f"/wellbeing/checkins/?team={_team_a(world)}", ALFA),
    ]


@case("wellbeing:person")
def _person(world: World) -> list[Probe]:
    return [Probe("get", f"/wellbeing/checkins/person/{world.person_a.pk}/", _denied)]


@case("wellbeing:plan")
def _plan(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/wellbeing/checkins/person/{world.person_a.pk}/plan/",
            _unchanged,
            {"planned_for": "2030-01-07", "kind": "call"},
        )
    ]


@case("wellbeing:record")
def _record(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/wellbeing/checkins/person/{world.person_a.pk}/record/",
            _unchanged,
            {"kind": "call", "notes": "x"},
        )
    ]


@case("wellbeing:follow_up_done")
def _follow_up(world: World) -> list[Probe]:
    return [
        Probe("post", f"/wellbeing/follow-ups/{world.extra['wb_follow_up_a'].pk}/done/", _unchanged)
    ]


@case("wellbeing:meeting")
def _meeting(world: World) -> list[Probe]:
    return [
        Probe("get", f"/wellbeing/meeting/?team={_team_a(world)}", ALFA),
        Probe("post", "/wellbeing/meeting/", _unchanged, {"team": _team_a(world), "present": []}),
    ]


@case("wellbeing:pulse")
def _pulse(world: World) -> list[Probe]:
    return [Probe("get", "/wellbeing/pulse/", ALFA)]


@case("wellbeing:results")
def _results(world: World) -> list[Probe]:
    return [
        Probe("get", "/wellbeing/results/", ALFA),
        Probe("get", f"/wellbeing/results/?team={_team_a(world)}", ALFA),
        Probe("get", "/wellbeing/results/?team=all", ALFA),
    ]


@case("wellbeing:reply")
def _reply(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/wellbeing/comments/{world.extra['wb_comment_a'].pk}/reply/",
            _unchanged,
            {"reply": "Kapat"},
        )
    ]


@case("wellbeing:settings")
def _settings(world: World) -> list[Probe]:
    return [
        Probe("get", "/wellbeing/settings/", ALFA),
        Probe(
            "post",
            "/wellbeing/settings/",
            _unchanged,
            {"question": world.extra["wb_question_a"].pk, "active": "0"},
        ),
    ]

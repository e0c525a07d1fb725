"""Issue 18, point 2: pulse surveys — the question bank and its weekly rotation,
answering once, results only above the minimum group size, pooling of small teams
(over weeks, then with the whole organisation), the 90-day trend, comments answered
without knowing the writer, and the settings (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person, make_team

from distans.accounts.models import AuditEntry
from distans.wellbeing import actions, queries
from distans.wellbeing.bank import BANK
from distans.wellbeing.models import PulseComment, PulseParticipation, PulseQuestion, PulseTally

pytestmark = pytest.mark.django_db


def _client(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _team(org: Any, name: str, size: int, leader: bool = True) -> tuple[Any, Any, list[Any]]:
    team = make_team(org, name=name)
    boss = (
        make_person(org, full_name=f"Ledare {name}", team=team, is_team_leader=True)
        if leader
        else None
    )
    if boss:
        team.leader = boss
        team.save()
    people = [make_person(org, full_name=f"{name} {i}", team=team) for i in range(size)]
    return team, boss, people


def _answer_all(people: list[Any], day: dt.date, value: int = 4, comment: str = "") -> None:
    round_ = actions.do_open_round(people[0].organisation_id, day)
    for i, person in enumerate(people):
        scores = {q.pk: (value if q.kind == "scale" else 9) for q in queries.questions_of(round_)}
        actions.do_answer_pulse(person, round_, scores, f"{comment} {i}" if comment else "")


def test_the_bank_has_every_area_in_three_languages_and_rotates_weekly() -> None:
    org = make_organisation()
    actions.ensure_question_bank(org.pk)
    assert {q.category for q in BANK} == {"wellbeing", "workload", "remote", "leadership", "enps"}
    assert all(q.text_sv and q.text_nb and q.text_en for q in PulseQuestion.objects.for_org(org))
    monday = queries.monday_of(queries.local_today(org.pk))
    weeks = [queries.planned_questions(org.pk, monday + dt.timedelta(weeks=i), 4) for i in range(4)]
    assert all(len(w) == 4 for w in weeks)
    assert weeks[0] != weeks[1]  # rotating
    asked = {q.code for w in weeks for q in w}
    assert len(asked) >= 13  # every question of the bank comes up within four weeks (4 × 4 ≥ 13)


def test_a_person_answers_once_and_the_page_thanks_them() -> None:
    org = make_organisation()
    team, _boss, people = _team(org, "Lag A", 3)
    client = _client(people[0])
    page = client.get("/wellbeing/pulse/")
    assert page.status_code == 200
    round_ = queries.round_of(org.pk, queries.local_today(org.pk))
    questions = queries.questions_of(round_)  # type: ignore[arg-type]
    assert 1 <= len(questions) <= 5
    data = {f"q{q.pk}": "4" if q.kind == "scale" else "8" for q in questions}
    data["comment"] = "Mer fika!"
    assert client.post("/wellbeing/pulse/", data).status_code == 302
    assert sum(PulseTally.objects.for_org(org).values_list("count", flat=True)) == len(questions)
    assert PulseComment.objects.for_org(org).get().text == "Mer fika!"
    body = client.get("/wellbeing/pulse/").content.decode()
    assert 'id="pulse-thanks"' in body and 'id="pulse-form"' not in body
    again = client.post("/wellbeing/pulse/", data)
    assert again.status_code == 422 and "redan svarat" in again.content.decode()
    assert sum(PulseTally.objects.for_org(org).values_list("count", flat=True)) == len(questions)


def test_answers_outside_the_scale_are_refused_and_nothing_is_stored() -> None:
    org = make_organisation()
    _team_, _boss, people = _team(org, "Lag A", 3)
    client = _client(people[0])
    client.get("/wellbeing/pulse/")
    round_ = queries.round_of(org.pk, queries.local_today(org.pk))
    question = queries.questions_of(round_)[0]  # type: ignore[arg-type]
    for bad in ("11", "-1", "fyra", "99999999999999999999"):
        response = client.post("/wellbeing/pulse/", {f"q{question.pk}": bad})
        assert response.status_code == 422, bad
        assert "utanför" in response.content.decode()
    assert client.post("/wellbeing/pulse/", {}).status_code == 422  # nothing answered
    assert not PulseTally.objects.exists()
    assert not PulseParticipation.objects.filter(answered=True).exists()


def test_a_team_below_the_minimum_sees_nothing_until_pooled_with_the_organisation() -> None:
    org = make_organisation()
    small, boss, small_people = _team(org, "Lag Liten", 3)
    _big, _other_boss, big_people = _team(org, "Lag Stor", 3)
    today = queries.local_today(org.pk)
    _answer_all(small_people, today, value=2)
    client = _client(boss)
    body = client.get(f"/wellbeing/results/?team={small.pk}").content.decode()
    assert "Lag Liten, vecka" not in body
    assert "För få svar för att visa" in body
    assert "medel 2,0" not in body
    # two of another team answer: the organisation has five this week → shown, pooled
    _answer_all(big_people[:2], today, value=5)
    body = client.get(f"/wellbeing/results/?team={small.pk}").content.decode()
    assert "hela organisationen, vecka" in body
    assert "medel 3,2 (5 svar)" in body  # (3 × 2 + 2 × 5) / 5
    assert "För få svar för att visa" not in body


def test_a_small_team_is_pooled_over_weeks_before_the_organisation() -> None:
    org = make_organisation()
    team, boss, people = _team(org, "Lag Liten", 3)
    today = queries.local_today(org.pk)
    monday = queries.monday_of(today)
    _answer_all(people, monday - dt.timedelta(weeks=1), value=3)
    actions.do_save_settings(  # the same questions both weeks, so they pool question by question
        make_person(org, is_org_admin=True), {"questions_per_week": 13}
    )
    _answer_all(people, today, value=3)
    # week −1 was asked with 4 questions; those four now have 6 answers in the team
    results = queries.question_results(
        org.pk, team, monday, queries.questions_of(queries.round_of(org.pk, today))
    )  # type: ignore[arg-type]
    pooled = [r for r in results if r.average is not None]
    assert pooled and all(
        r.scope is not None and r.scope.team == team and len(r.scope.weeks) == 2 for r in pooled
    )
    assert all(r.answers == 6 for r in pooled)
    hidden = [r for r in results if r.average is None]
    assert len(hidden) == 13 - 4


def test_comments_need_their_own_higher_minimum_and_the_leader_answers_without_a_name() -> None:
    org = make_organisation()
    team, boss, people = _team(org, "Lag Tio", 9)
    today = queries.local_today(org.pk)
    _answer_all(people, today, comment="Synpunkt")
    client = _client(boss)
    body = client.get(f"/wellbeing/results/?team={team.pk}").content.decode()
    assert "Synpunkt" not in body  # 9 comments < 10
    assert "medel 4,0 (9 svar)" in body  # scores: 9 ≥ 5
    extra = make_person(org, full_name="Lag Tio extra", team=team)
    _answer_all([extra], today, comment="Tionde")
    body = client.get(f"/wellbeing/results/?team={team.pk}").content.decode()
    assert "Tionde" in body and "Synpunkt 3" in body
    comment = PulseComment.objects.get(text="Tionde 0")
    response = client.post(
        f"/wellbeing/comments/{comment.pk}/reply/",
        {"reply": "Tack, vi ordnar det.", "team": team.pk},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.reply == "Tack, vi ordnar det." and comment.replied_by == boss
    # every member reads the answer on their pulse page; the page names nobody
    page = _client(people[0]).get("/wellbeing/pulse/").content.decode()
    assert "Tack, vi ordnar det." in page and "Lag Tio extra" not in page


def test_a_leader_cannot_answer_a_comment_they_are_not_shown() -> None:
    org = make_organisation()
    team, boss, people = _team(org, "Lag Tio", 10)
    _answer_all(people, queries.local_today(org.pk), comment="Hemlig")
    comment = PulseComment.objects.for_org(org).first()
    assert comment is not None
    no_team = make_person(org, full_name="Ledare utan lag", is_team_leader=True)  # leads nothing
    for who, path in (
        (no_team, f"/wellbeing/comments/{comment.pk}/reply/"),
        (boss, "/wellbeing/comments/not-a-uuid/reply/"),
    ):
        assert _client(who).post(path, {"reply": "Kapat"}).status_code == 404
    comment.refresh_from_db()
    assert comment.reply == ""


def test_a_small_teams_leader_reads_comments_pooled_with_the_organisation() -> None:
    org = make_organisation()
    _team_, _boss, people = _team(org, "Lag Tio", 10)
    small, small_boss, _p = _team(org, "Lag Liten", 3)
    _answer_all(people, queries.local_today(org.pk), comment="Synpunkt")
    body = _client(small_boss).get(f"/wellbeing/results/?team={small.pk}").content.decode()
    assert "Kommentarer från hela organisationen, vecka" in body and "Synpunkt 7" in body


def test_the_trend_covers_90_days_with_plain_decimal_points_in_the_svg() -> None:
    org = make_organisation()
    team, boss, people = _team(org, "Lag Fem", 5)
    today = queries.local_today(org.pk)
    monday = queries.monday_of(today)
    for back, value in ((3, 2), (1, 4)):
        _answer_all(people, monday - dt.timedelta(weeks=back), value=value)
    points = queries.trend(org.pk, team, monday)
    assert len(points) == queries.TREND_WEEKS == 13
    assert [p["value"] for p in points if p["value"] is not None][:2] == [
        2.0,
        2.0,
    ]  # week −2 pools −3
    body = _client(boss).get(f"/wellbeing/results/?team={team.pk}").content.decode()
    svg = body.split("<svg", 1)[1].split("</svg>", 1)[0]
    polyline = svg.split('points="', 1)[1].split('"', 1)[0]
    for pair in polyline.split():
        x, y = pair.split(",")
        float(x), float(y)  # decimal points, not the Swedish comma
    assert "2,00" in body  # the table beside it is localised


def test_the_settings_are_for_hr_validated_and_audited() -> None:
    org = make_organisation()
    hr = make_person(org, is_org_admin=True, is_agent=False)
    leader = make_person(org, is_team_leader=True)
    assert _client(leader).get("/wellbeing/settings/").status_code == 403
    client = _client(hr)
    assert client.get("/wellbeing/settings/").status_code == 200
    bad = client.post(
        "/wellbeing/settings/",
        {
            "min_scores": "1",
            "min_comments": "10",
            "questions_per_week": "4",
            "pool_weeks": "4",
            "checkin_days": "7",
        },
    )
    assert bad.status_code == 422
    assert queries.settings_of(org.pk).min_scores == 5
    ok = client.post(
        "/wellbeing/settings/",
        {
            "min_scores": "3",
            "min_comments": "5",
            "questions_per_week": "3",
            "pool_weeks": "6",
            "checkin_days": "14",
        },
    )
    assert ok.status_code == 302
    conf = queries.settings_of(org.pk)
    assert (
        conf.min_scores,
        conf.min_comments,
        conf.questions_per_week,
        conf.pool_weeks,
        conf.checkin_days,
    ) == (3, 5, 3, 6, 14)
    entry = AuditEntry.objects.for_org(org).get(action="wellbeing.settings")
    assert entry.actor == hr
    question = PulseQuestion.objects.for_org(org).get(code="enps")
    client.post("/wellbeing/settings/", {"question": question.pk, "active": "0"})
    question.refresh_from_db()
    assert not question.active
    monday = queries.monday_of(queries.local_today(org.pk))
    assert all(
        q.code != "enps"
        for i in range(8)
        for q in queries.planned_questions(org.pk, monday + dt.timedelta(weeks=i), 3)
    )


def test_an_agent_answers_but_does_not_read_results() -> None:
    org = make_organisation()
    _team_, _boss, people = _team(org, "Lag A", 3)
    client = _client(people[0])
    assert client.get("/wellbeing/pulse/").status_code == 200
    assert client.get("/wellbeing/results/").status_code == 403
    assert client.get("/wellbeing/checkins/").status_code == 403


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("sv", "Hur har du mått"),
        ("nb", "Hvordan har du hatt det"),
        ("en", "How have you been feeling"),
    ],
)
def test_questions_are_asked_in_the_persons_language(language: str, text: str) -> None:
    org = make_organisation()
    _team_, _boss, people = _team(org, "Lag A", 3)
    people[0].language = language
    people[0].save()
    actions.do_save_settings(make_person(org, is_org_admin=True), {"questions_per_week": 13})
    assert text in _client(people[0]).get("/wellbeing/pulse/").content.decode()


def test_hostile_and_huge_comments_are_refused_and_nothing_is_stored() -> None:
    org = make_organisation()
    _team_, _boss, people = _team(org, "Lag A", 3)
    client = _client(people[0])
    client.get("/wellbeing/pulse/")
    nul = client.post("/wellbeing/pulse/", {"comment": "hej\x00då"})
    assert nul.status_code == 400  # the guard layer, before the view
    huge = client.post("/wellbeing/pulse/", {"comment": "å" * 5000})
    assert huge.status_code == 422 and "för lång" in huge.content.decode()
    assert not PulseComment.objects.exists()
    assert not PulseParticipation.objects.filter(answered=True).exists()
    # the person may still answer afterwards
    assert client.post("/wellbeing/pulse/", {"comment": "Nu blev det rätt"}).status_code == 302


def test_the_leader_sees_the_weeks_questions_before_anyone_answers() -> None:
    org = make_organisation()
    team, boss, _people = _team(org, "Lag A", 3)
    body = _client(boss).get(f"/wellbeing/results/?team={team.pk}").content.decode()
    round_ = queries.round_of(org.pk, queries.local_today(org.pk))
    assert round_ is not None and round_.question_ids
    assert body.count('class="hidden-result"') >= len(round_.question_ids)

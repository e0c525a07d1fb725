"""Demo data of wellbeing, made through the same actions as people's clicks: each team
leader's check-ins (someone overdue, a planned one, a follow-up), a week of daily team
meetings, and six earlier weeks of anonymous pulse answers with a few comments and
answers to them. The current week is left unanswered, for the visitor to answer."""

from __future__ import annotations

import datetime as dt
import random

from distans.accounts.models import Organisation, Person, Team
from distans.demo.data import DEMO_LOADERS
from distans.wellbeing import actions, queries
from distans.wellbeing.models import CheckIn, PulseRound, TeamMeeting

NOTES = [
    "Trivs hemma men saknar fikat med laget. Föreslog digital fika på torsdagar.",
    "Ont i nacken — skärmen står för lågt. Beställer skärmarm.",
    "Barnen hemma med förkylning förra veckan; ville veta hur VAB registreras.",
    "Mycket samtal om bygglov; vill gärna gå en fördjupning.",
]
FOLLOW_UPS = ["Beställ skärmarm", "Boka tid med IT om headsetet", "Skicka länk till VAB-rutinen"]
COMMENTS = [
    "Det vore skönt med fler korta avstämningar i stället för långa möten.",
    "Headsetet tappar ljud ibland, svårt att veta vem man ska fråga.",
    "Bra att morgonmötet är kort och alltid börjar i tid.",
    "Jag hinner sällan ta rast när kön är lång på förmiddagen.",
    "Saknar att se kollegorna, kanske en gemensam lunch i månaden?",
    "Tydlig information om de nya reglerna, tack!",
    "Kvällspassen blir ensamma hemma.",
    "Skönt att slippa pendla, jag orkar mer.",
    "Svårt att få hjälp snabbt med kluriga ärenden i chatten.",
    "Vore bra med en checklista för hemmaarbetsplatsen.",
    "Mer återkoppling på hur vi ligger till mot målen.",
    "Stämningen i laget är god trots distansen.",
]
REPLIES = [
    "Tack! Vi provar korta avstämningar varje tisdag och torsdag från nästa vecka.",
    "IT har fått ett ärende om headseten; de byter ut de äldsta modellerna.",
]


def _checkins(organisation: Organisation, today: dt.date) -> None:
    if CheckIn.objects.for_org(organisation).exists():
        return
    rng = random.Random(7)
    for team in Team.objects.for_org(organisation).filter(leader__isnull=False).order_by("name"):
        leader = team.leader
        assert leader is not None
        people = list(queries.team_people(team, leader))
        for index, person in enumerate(people):
            days_ago = [3, 10, 12][index % 3]
            kind = ["video", "call", "in_person"][index % 3]
            follow_up = FOLLOW_UPS[index % len(FOLLOW_UPS)] if index == 0 else ""
            actions.do_record_checkin(
                leader,
                person,
                kind,
                today - dt.timedelta(days=days_ago),
                NOTES[rng.randrange(len(NOTES))],
                follow_up,
                today + dt.timedelta(days=2) if follow_up else None,
            )
            if index == 2:
                actions.do_plan_checkin(leader, person, today + dt.timedelta(days=1), "video")
        if TeamMeeting.objects.for_org(organisation).filter(team=team).exists():
            continue
        for back in range(1, 8):
            day = today - dt.timedelta(days=back)
            if day.weekday() >= 5:
                continue
            present = [p.pk for p in people if rng.random() < 0.85]
            actions.do_save_meeting(leader, team, day, present, "")


def _pulse(organisation: Organisation, today: dt.date) -> None:
    if PulseRound.objects.for_org(organisation).exists():
        return
    rng = random.Random(11)
    people = list(
        Person.objects.for_org(organisation)
        .filter(is_active=True, team__isnull=False)
        .order_by("pk")
    )
    team_mood = {
        team.pk: 3.2 + 0.5 * i
        for i, team in enumerate(Team.objects.for_org(organisation).order_by("name"))
    }
    comments = iter(COMMENTS * 3)
    for weeks_back in range(6, 0, -1):
        day = queries.monday_of(today) - dt.timedelta(weeks=weeks_back)
        round_ = actions.do_open_round(organisation.pk, day)
        questions = queries.questions_of(round_)
        for person in people:
            if rng.random() > 0.9:
                continue  # not everyone answers every week
            mood = team_mood.get(person.team_id or 0, 3.5) + (6 - weeks_back) * 0.05
            scores = {}
            for q in questions:
                if q.kind == "enps":
                    scores[q.pk] = max(0, min(10, round(rng.gauss(mood * 2, 1.5))))
                else:
                    scores[q.pk] = max(1, min(5, round(rng.gauss(mood, 0.8))))
            comment = next(comments, "") if rng.random() < 0.4 else ""
            actions.do_answer_pulse(person, round_, scores, comment)
    # Leaders answer two comments (the team leader of Lag Norr, never knowing whose).
    from distans.wellbeing.models import PulseComment

    leader = (
        Team.objects.for_org(organisation).filter(leader__isnull=False).order_by("name").first()
    )
    if leader is not None and leader.leader is not None:
        for text, answer in zip(COMMENTS[:2], REPLIES, strict=True):
            found = PulseComment.objects.for_org(organisation).filter(text=text).first()
            if found is not None:
                actions.do_reply_comment(leader.leader, found, answer)


def load(organisation: Organisation) -> None:
    today = queries.local_today(organisation.pk)
    _checkins(organisation, today)
    _pulse(organisation, today)


DEMO_LOADERS.append(load)

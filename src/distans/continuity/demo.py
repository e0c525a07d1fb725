"""The demo's prepared plan "B — alla hemma" (not in force), made through the same
actions as the plan pages: a copy of today's setup, then edited."""

from __future__ import annotations

from typing import Any

from distans.accounts.models import Organisation
from distans.continuity import actions, plan_data
from distans.continuity.models import Plan
from distans.demo.data import DEMO_LOADERS

PLAN_NAME = "B — alla hemma"
TEMPORARY_QUEUE = "corona-vaccin"
TEMPORARY_NUMBER = "+4655510050"
LONG_HOURS = {str(d): [["07:00", "19:00"]] for d in range(7)}


def prepare_plan_b(organisation: Organisation, actor: Any = None, name: str = PLAN_NAME) -> Plan:
    """Everyone at home; longer hours and crisis texts; a temporary vaccination
    queue with its own chat widget, phone line and topic; the corona queue overflows
    into it; office seats capped; teams kept apart; an announcement to acknowledge."""
    from distans.channels_chat.models import new_widget_key

    plan = actions.do_create_plan(
        organisation,
        actor,
        name,
        "Alla arbetar hemifrån. Längre öppettider, tillfällig kö för vaccinationsfrågor.",
    )
    document = plan_data.normalise(plan.changes)
    queues = {q["code"]: q for q in document["queues"]}
    if "allmant" in queues:
        queues["allmant"]["weekly_hours"] = LONG_HOURS
        queues["allmant"]["waiting_texts"] = {
            "sv": {
                "waiting": "Vi arbetar hemifrån under pandemin. Du är i kö – vi svarar så snart vi kan."
            },
            "nb": {
                "waiting": "Vi jobber hjemmefra under pandemien. Du står i kø – vi svarer så snart vi kan."
            },
            "en": {
                "waiting": "We work from home during the pandemic. You are in the queue – we answer as soon as we can."
            },
        }
    if "corona" in queues:
        queues["corona"]["weekly_hours"] = LONG_HOURS
        queues["corona"]["overflow"] = [
            {
                "to": TEMPORARY_QUEUE,
                "after_seconds": 120,
                "when_no_agents": False,
                "when_longer_than": None,
            },
            *queues["corona"].get("overflow", []),
        ]
    template = queues.get("corona") or next(iter(queues.values()), None)
    if template is not None:
        queues[TEMPORARY_QUEUE] = {
            **template,
            "code": TEMPORARY_QUEUE,
            "name": "Corona – vaccination",
            "overflow": [],
            "priority": 5,
            "weekly_hours": LONG_HOURS,
            "waiting_texts": {
                "sv": {
                    "waiting": "Frågor om vaccination: du är i kö.",
                    "closed": "Vaccinationslinjen är stängd. Boka tid på 1177.se.",
                },
                "nb": {"waiting": "Spørsmål om vaksinasjon: du står i kø."},
                "en": {"waiting": "Questions about vaccination: you are in the queue."},
            },
        }
        document["chat_widgets"].append(
            {"key": new_widget_key(), "name": "Vaccinationschatt", "queue": TEMPORARY_QUEUE,
             "allowed_origins": [], "greetings": {"sv": "Hej! Frågor om vaccination?"}, "topics": [], "active": True}
        )  # fmt: skip
        document["phone_lines"].append(
            {"number": TEMPORARY_NUMBER, "name": "Vaccinationslinjen", "queue": TEMPORARY_QUEUE}
        )
        like = "corona" if "corona" in queues else template["code"]
        document["agent_queues"] = [{"queue": TEMPORARY_QUEUE, "like": like}]
        document["return_to"] = {TEMPORARY_QUEUE: like}
        document["staffing"].append(
            {
                "queue": TEMPORARY_QUEUE,
                "service_level": 0.7,
                "answer_within_seconds": 120,
                "uplift_factor": 1.0,
            }
        )
    document["queues"] = sorted(queues.values(), key=lambda q: q["code"])
    document["topics"] = [
        {
            "code": "corona-vaccinbokning",
            "name": "Vaccinbokning",
            "parent": "corona" if _has_topic(organisation, "corona") else "",
        }
    ]
    document["sites"] = [
        {**site, "seat_capacity": 2} if site.get("seat_capacity") else site
        for site in document["sites"]
    ]
    document["planning"] = {**document["planning"], "teams_apart_at_office": True}
    document["home_only"] = True
    document["announcement"] = {
        "title_sv": "Plan B gäller: alla arbetar hemifrån",
        "body_sv": "Från och med nu arbetar alla hemifrån. Sätt din plats till **Hemma** innan du blir tillgänglig. "
        "Den tillfälliga kön *Corona – vaccination* är öppen 07–19 alla dagar.",
        "title_nb": "Plan B gjelder: alle jobber hjemmefra",
        "body_nb": "Fra nå av jobber alle hjemmefra. Sett plassen din til **Hjemme** før du blir tilgjengelig.",
        "title_en": "Plan B is in force: everyone works from home",
        "body_en": "From now on everyone works from home. Set your location to **Home** before you go available.",
        "blocks_available": False,
    }
    return actions.do_save_plan(organisation, actor, plan, {"changes": document})


def _has_topic(organisation: Organisation, code: str) -> bool:
    from distans.topics.models import Topic

    return Topic.objects.for_org(organisation).filter(code=code).exists()


def load_continuity_demo(organisation: Organisation) -> None:
    if not Plan.objects.for_org(organisation).filter(name=PLAN_NAME).exists():
        prepare_plan_b(organisation)


DEMO_LOADERS.append(load_continuity_demo)

"""Demo queues, agent skills and the API key the demo traffic uses."""

from __future__ import annotations

from distans.accounts.models import Organisation, Person, Site
from distans.demo.data import DEMO_LOADERS
from distans.routing.models import AgentState, Queue

WEEKDAYS_8_TO_16 = {str(d): [["08:00", "16:30"]] for d in range(5)}

QUEUES = [
    # code, name, extra
    ("allmant", "Allmänna frågor", {}),
    # A specialist queue's team has days off (the week roster decides): its calls then go
    # to the general queue rather than wait for no one.
    ("skola", "Skola och förskola", {"overflow": [{"to": "allmant", "after_seconds": 180}, {"to": "allmant", "when_no_agents": True}]}),
    ("bygglov", "Bygglov", {"widening": [{"after_seconds": 60, "min_level": 3}, {"after_seconds": 120, "min_level": None}],
                            "overflow": [{"to": "allmant", "when_no_agents": True}]}),
    ("corona", "Corona", {"aging_per_minute": 0.5, "overflow": [{"to": "allmant", "when_no_agents": True}]}),
    ("vaxel", "Växeln", {"is_switchboard": True, "strategy": "round_robin", "wrap_up_seconds": 5}),
]

# Team → queues its members serve (small teams that never mix still share queues).
TEAM_QUEUES = {
    "Lag Norr": ["allmant", "corona", "vaxel"],
    "Lag Syd": ["allmant", "skola", "corona", "vaxel"],  # everyone covers the switchboard
    "Lag Väst": ["allmant", "bygglov", "vaxel"],
}


def load_routing_demo(organisation: Organisation) -> None:
    from distans.setup.actions import do_save_queue

    queues = {q.code: q for q in Queue.objects.for_org(organisation)}
    for code, name, extra in QUEUES:
        if code not in queues:  # through the settings pages' action, as an admin would
            queues[code] = do_save_queue(
                organisation,
                None,
                None,
                {
                    "name": name,
                    "code": code,
                    "always_open": True,  # the demo runs whenever you start it
                    "weekly_hours": WEEKDAYS_8_TO_16,
                    "holiday_country": "SE",
                    "channels": ["phone", "chat", "email", "form", "callback"],
                    **extra,
                },
            )
    # Each agent's site, skills, languages and queues as the admin sets them on
    # Settings → People (the person's default site, then the agent settings form).
    from distans.administration.actions import do_save_agent_settings, do_save_person

    admin = Person.objects.for_org(organisation).filter(is_org_admin=True).order_by("pk").first()
    home = Site.objects.for_org(organisation).filter(kind="home").first()
    office = Site.objects.for_org(organisation).filter(kind="office").first()
    configured = set(AgentState.objects.for_org(organisation).values_list("person_id", flat=True))
    for index, person in enumerate(
        Person.objects.for_org(organisation)
        .filter(is_agent=True)
        .select_related("team")
        .order_by("pk")
    ):
        if person.pk in configured:
            continue
        assert admin is not None, "the demo admin comes first (demo/data.py)"
        site = home if index % 2 == 0 else office
        if person.default_site_id != (site.pk if site else None):
            person = do_save_person(admin, person, {"default_site": site})
        codes = TEAM_QUEUES.get(person.team.name, ["allmant"]) if person.team else []
        do_save_agent_settings(
            admin,
            person,
            {
                "skills": {"bygglov": 3 + index % 6},
                "languages": ["sv", "nb"] if person.language == "nb" else ["sv"],
                "capacity": {},
                "queues": [queues[c].pk for c in codes],
            },
        )


DEMO_LOADERS.append(load_routing_demo)

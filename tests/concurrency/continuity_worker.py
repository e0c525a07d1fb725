"""Switches a continuity plan on and off while routing_worker.py's processes route.

    python tests/concurrency/continuity_worker.py prepare
    python tests/concurrency/continuity_worker.py toggle TIMES PAUSE_SECONDS
    python tests/concurrency/continuity_worker.py status

The plan (made as a person makes it: a copy of today's setup, edited) changes every
queue's hours and texts, makes a temporary queue ``crisis`` served by the agents of
``q0``, lets ``q1`` overflow into it at once, and sends waiting contacts back to ``q0``
when it ends.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
os.environ.setdefault("DISTANS_ROUTING_MODE", "inline")
import django

django.setup()

from django.db import OperationalError  # noqa: E402

from distans.accounts.models import Organisation  # noqa: E402
from distans.continuity import actions, plan_data  # noqa: E402
from distans.continuity.models import Activation, Plan  # noqa: E402

LONG = {str(d): [["00:00", "24:00"]] for d in range(7)}


def prepare() -> None:
    org = Organisation.objects.get(slug="load")
    plan = actions.do_create_plan(org, None, "B — kris")
    doc = plan_data.normalise(plan.changes)
    for queue in doc["queues"]:
        queue["weekly_hours"] = LONG
        queue["waiting_texts"] = {"sv": {"waiting": "Vi har mycket att göra."}}
        if queue["code"] == "q1":
            queue["overflow"] = [
                {
                    "to": "crisis",
                    "after_seconds": 0,
                    "when_no_agents": False,
                    "when_longer_than": None,
                }
            ]
    doc["queues"].append({**doc["queues"][0], "code": "crisis", "name": "Kris", "overflow": []})
    doc["agent_queues"] = [{"queue": "crisis", "like": "q0"}]
    doc["return_to"] = {"crisis": "q0"}
    actions.do_save_plan(org, None, plan, {"changes": doc})
    print(plan.pk)


def toggle(times: int, pause: float) -> None:
    org = Organisation.objects.get(slug="load")
    plan = Plan.objects.get(organisation=org)
    done = 0
    while done < times:
        in_force = Activation.objects.filter(organisation=org, active=True).exists()
        try:
            if in_force:
                actions.do_deactivate_plan(org, None)
            else:
                actions.do_activate_plan(org, None, plan)
            done += 1
        except OperationalError as error:
            # A deadlock victim applied nothing; an error in the routing round run
            # inline after the commit comes after a switch that did happen.
            print(f"switch failed: {error!r}", file=sys.stderr, flush=True)
            if Activation.objects.filter(organisation=org, active=True).exists() != in_force:
                done += 1
        time.sleep(pause)
    if Activation.objects.filter(organisation=org, active=True).exists():
        actions.do_deactivate_plan(org, None)
    print(done)


def main() -> None:
    role = sys.argv[1]
    if role == "prepare":
        prepare()
    elif role == "toggle":
        toggle(int(sys.argv[2]), float(sys.argv[3]))
    else:
        raise SystemExit(f"unknown role {role}")


if __name__ == "__main__":
    main()

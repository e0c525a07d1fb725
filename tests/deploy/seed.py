"""Seed the production-shaped deployment of tests/deploy/: run as a separate process
with that deployment's DATABASE_URL; prints one JSON object (keys, logins)."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")

import django

django.setup()

from tests.factories import PASSWORD, make_organisation, make_queue  # noqa: E402
from tests.factories_chat import SITE_ORIGIN, make_serving_agent, make_widget  # noqa: E402

from distans.accounts.actions import do_create_api_token  # noqa: E402

org = make_organisation(name="Kommun", slug="kommun")
queue = make_queue(org, code="allmant", name="Allmänt")
agent = make_serving_agent(org, queue, email="agent@kommun.se", is_agent=True)
widget = make_widget(org, queue)
mail_queue = make_queue(org, code="epost", name="E-post")  # nobody serves it: contacts wait
key, _token = do_create_api_token(org, "deploy test", scopes=["contacts.create", "contacts.read"])
print(json.dumps({
    "api_key": key, "widget": widget.key, "origin": SITE_ORIGIN, "queue": mail_queue.code,
    "agent_email": agent.email, "agent_password": PASSWORD,
}))

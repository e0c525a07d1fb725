"""The presence gate of "everyone at home": while the active plan says so, an agent
whose location is an office does not go available (they are told to set their
location to home first)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from distans.core.errors import InvalidInput

MESSAGE = gettext_noop(
    "The continuity plan in force says everyone works from home: set your location to home first."
)


class HomeOnly(InvalidInput):
    code = "continuity_home_only"


def home_only(person: Any) -> None:
    from distans.accounts.choices import SiteKind
    from distans.continuity.queries import active_activation
    from distans.routing.models import AgentState

    activation = active_activation(person.organisation_id)
    if activation is None or not (activation.after or {}).get("home_only"):
        return
    kind = AgentState.objects.filter(person=person).values_list("site__kind", flat=True).first()
    if kind == SiteKind.OFFICE:
        raise HomeOnly(MESSAGE)

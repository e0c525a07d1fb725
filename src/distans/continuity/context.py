"""The staff banner on every page while a plan is in force (a context processor:
one indexed query per page for a logged-in person)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def banner(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "organisation_id", None):
        return {}
    from distans.continuity.queries import active_activation

    try:
        activation = active_activation(user.organisation_id)
    except Exception:  # an outage answers elsewhere (web/outage.py); never here
        return {}
    return {"continuity_active": activation}

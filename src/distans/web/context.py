"""Navigation by role, for the base template."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, roles that see it; empty = everyone logged in)
NAVIGATION: list[tuple[str, Any, set[str]]] = [
    ("home", _("Home"), set()),
    ("desk:index", _("Desktop"), {"agent", "team_leader"}),
    ("wallboard:index", _("Wallboard"), {"supervisor", "team_leader", "org_admin"}),
    ("team:index", _("My team"), set()),
    ("reports:index", _("Reports"), {"supervisor", "org_admin"}),
    ("planning:index", _("Planning"), {"supervisor", "org_admin"}),
    ("setup:queues", _("Queues and channels"), {"org_admin"}),
    ("admin:index", _("Administration"), {"org_admin"}),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    roles = set(getattr(user, "roles", []))
    items = []
    current = request.path
    for url_name, label, allowed in NAVIGATION:
        if allowed and not (roles & allowed or user.is_superuser):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # the app providing it is not installed
        active = current == url if url == "/" else current.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"navigation": items}

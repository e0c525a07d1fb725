"""Navigation by role, for the base template."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, roles that see it; empty = everyone logged in)
NAVIGATION: list[tuple[str, Any, set[str]]] = [
    ("home", _("Home"), set()),
    ("desk:index", _("Desktop"), {"agent", "team_leader"}),
    ("wallboard:index", _("Wallboard"), {"supervisor", "team_leader", "org_admin"}),
    ("team:index", _("My team"), set()),
    ("announcements:index", _("Announcements"), set()),
    ("reports:index", _("Reports"), {"supervisor", "team_leader", "org_admin"}),
    ("topics:index", _("Topics"), {"supervisor", "org_admin"}),
    ("planning:index", _("Planning"), {"supervisor", "org_admin"}),
    ("admin:index", _("Administration"), {"org_admin"}),
    # Only while the demo's mail catcher runs (distans demo).
    ("channels_email:caught", _("Sent e-mail (demo)"), {"supervisor", "org_admin"}),
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
        if url_name == "channels_email:caught" and not settings.DISTANS_MAIL_CATCHER_PORT:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # the app providing it is not installed
        active = current == url if url == "/" else current.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"navigation": items}

"""Navigation by permission (the one table in ``accounts/permissions.py``), for the
base template."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from distans.accounts.permissions import SETTINGS_PERMISSIONS, has_any_permission

# (url name, label, permissions of which one shows the entry)
NAVIGATION: list[tuple[str, Any, tuple[str, ...]]] = [
    ("home", _("Home"), ()),
    ("desk:index", _("Desktop"), ("desk.use",)),
    ("wallboard:index", _("Wallboard"), ("wallboard.view",)),
    ("team:index", _("My team"), ("team.view",)),
    ("announcements:index", _("Announcements"), ("announcements.view",)),
    ("absence:index", _("Absence and swaps"), ("absence.report",)),
    ("absence:team", _("Team's day"), ("absence.lead",)),
    ("absence:it", _("IT problems"), ("absence.it",)),
    ("visits:day", _("Visits"), ("visits.receive",)),
    ("wellbeing:checkins", _("Check-ins"), ("checkins.manage",)),
    ("wellbeing:pulse", _("Pulse survey"), ("wellbeing.answer",)),
    ("switchboard:index", _("Switchboard"), ("switchboard.operate",)),
    ("switchboard:away", _("My away status"), ("switchboard.away",)),
    ("switchboard:directory", _("Directory"), ("directory.manage",)),
    ("reports:index", _("Reports"), ("reports.view",)),
    ("planning:index", _("Planning"), ("planning.manage",)),
    ("topics:index", _("Topics"), ("topics.manage",)),
    ("continuity:index", _("Continuity plans"), ("continuity.manage",)),
    ("administration:index", _("Settings"), SETTINGS_PERMISSIONS),
    ("admin:index", _("Administration"), ("admin.use",)),
    # Only while the demo's mail catcher runs (distans demo).
    ("channels_email:caught", _("Sent e-mail (demo)"), ("mail.caught",)),
]


def visible_navigation(user: Any) -> list[tuple[str, Any]]:
    """(url name, label) of the entries this person sees (installed apps only)."""
    return [
        (url_name, label)
        for url_name, label, needed in NAVIGATION
        if (not needed or has_any_permission(user, needed))
        and (url_name != "channels_email:caught" or settings.DISTANS_MAIL_CATCHER_PORT)
    ]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = []
    current = request.path
    for url_name, label in visible_navigation(user):
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # the app providing it is not installed
        active = current == url if url == "/" else current.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"navigation": items}

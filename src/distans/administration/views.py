"""The settings start page and the audit log."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from distans.accounts.permissions import SETTINGS_PERMISSIONS, has_permission, requires
from distans.administration import queries
from distans.administration.audit_display import action_label, changed_values, object_type_label
from distans.administration.forms import AuditFilterForm

# (url name, title, description, permission); other apps' pages appear when installed.
SECTIONS: list[tuple[str, Any, Any, str]] = [
    ("administration:people", _("People"), _("Invite, import, roles, deactivation; agents' skills, queues and capacity."), "people.manage"),
    ("administration:teams", _("Teams"), _("Teams and their leaders."), "organisation.manage"),
    ("administration:sites", _("Sites"), _("Offices and working from home."), "organisation.manage"),
    ("administration:api_keys", _("API keys"), _("Keys for integrations, each with its own scopes."), "integrations.manage"),
    ("administration:webhooks", _("Webhooks"), _("Send events to other systems, signed, with retries."), "integrations.manage"),
    ("administration:audit", _("Audit log"), _("Who changed what, and when."), "audit.view"),
    ("administration:privacy", _("A data subject's data"), _("Find, export and erase a person's data (GDPR)."), "privacy.manage"),
]


def register_section(url_name: str, title: Any, description: Any, permission: str, first: bool = False) -> None:
    """Another app's settings page on the start page (call from its AppConfig.ready);
    shown to those holding ``permission`` when the URL name resolves."""
    entry = (url_name, title, description, permission)
    if entry in SECTIONS:
        return
    if first:
        SECTIONS.insert(0, entry)
    else:
        SECTIONS.append(entry)


@require_GET
@requires(*SETTINGS_PERMISSIONS)
def index(request: HttpRequest) -> HttpResponse:
    from django.urls import NoReverseMatch, reverse

    sections = []
    for url_name, title, description, permission in SECTIONS:
        if not has_permission(request.user, permission):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        sections.append({"url": url, "title": title, "description": description})
    return render(request, "administration/index.html", {"sections": sections})


@require_GET
@requires("audit.view")
def audit(request: HttpRequest) -> HttpResponse:
    org_id: int = request.user.organisation_id  # type: ignore[union-attr]
    choices = queries.audit_choices(org_id)
    form = AuditFilterForm(request.GET or None, choices=choices)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = form.filters(request.user.organisation)  # type: ignore[union-attr]
    page = Paginator(queries.list_audit(org_id, **filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [
        (entry, action_label(entry.action), object_type_label(entry.object_type),
         changed_values(entry.object_type, entry.changes))
        for entry in page.object_list
    ]  # fmt: skip
    return render(
        request,
        "administration/audit.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


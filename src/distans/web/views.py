from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from distans.accounts.forms import LanguageForm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    person = request.user
    if _first_run_pending(person):
        return redirect("setup:first_run_step", step="organisation")
    return render(
        request,
        "web/home.html",
        {
            "person": person,
            "organisation": person.organisation,  # type: ignore[union-attr]
            "language_form": LanguageForm(initial={"language": person.language}),  # type: ignore[union-attr]
            "visits": _visits_links(person),
        },
    )


def _visits_links(person: Any) -> dict[str, str] | None:
    """The day's visits and the public booking page, for those who receive visitors
    (when the visits app is installed)."""
    from distans.accounts.permissions import PERMISSIONS, has_permission

    if "visits.receive" not in PERMISSIONS or not has_permission(person, "visits.receive"):
        return None
    try:
        return {
            "day": reverse("visits:day"),
            "public": reverse("visits:services", args=[person.organisation.slug]),
        }
    except NoReverseMatch:
        return None


def _first_run_pending(person: Any) -> bool:
    """An organisation admin whose organisation has no queue yet: the first-run setup."""
    if not (getattr(person, "is_org_admin", False) and person.organisation_id):
        return False
    from distans.routing.models import Queue

    try:
        reverse("setup:first_run_step", kwargs={"step": "organisation"})
    except NoReverseMatch:
        return False
    return not Queue.objects.for_org(person.organisation_id).exists()


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (restart it when it does not). Says nothing about
    the database or Redis — that is :func:`readyz`."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database and Redis answer and a background worker ran lately;
    200 when all do, else 503 with Retry-After (a load balancer sends no traffic)."""
    from distans.web import health

    checks = health.readiness()
    ready = all(value in ("ok", "not used") for value in checks.values())
    response = JsonResponse({"ready": ready, **checks}, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response

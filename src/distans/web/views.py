from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from distans.accounts.forms import LanguageForm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    person = request.user
    return render(
        request,
        "web/home.html",
        {
            "person": person,
            "organisation": person.organisation,  # type: ignore[union-attr]
            "language_form": LanguageForm(initial={"language": person.language}),  # type: ignore[union-attr]
        },
    )


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

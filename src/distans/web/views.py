from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
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
    return HttpResponse("ok", content_type="text/plain")

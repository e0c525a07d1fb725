"""The demo's mail catcher page: what Distans sent (and what reached the demo mailbox)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from distans.channels_email import queries

View = Callable[..., HttpResponse]


def catcher_view(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not (user.organisation_id and (user.is_org_admin or user.is_supervisor)):
            raise PermissionDenied
        if not queries.catcher_enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@catcher_view
def caught(request: HttpRequest) -> HttpResponse:
    mails = queries.list_caught_mail(request.user.organisation_id)  # type: ignore[union-attr]
    return render(request, "channels_email/caught.html", {"mails": mails})


@require_GET
@catcher_view
def caught_one(request: HttpRequest, name: str) -> HttpResponse:
    mail = queries.get_caught_mail(request.user.organisation_id, name)  # type: ignore[union-attr]
    if mail is None:
        raise Http404
    return render(request, "channels_email/caught_one.html", {"mail": mail})

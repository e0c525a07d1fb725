"""The demo's mail catcher page (what Distans sent, and what reached the demo mailbox),
and "try again now" for a failed mail from the desk."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from distans.accounts.permissions import requires
from distans.channels_email import queries
from distans.channels_email.models import OutgoingMail, OutgoingStatus
from distans.channels_email.outbox import deliver, retry_now

View = Callable[..., HttpResponse]


def catcher_view(view: View) -> View:
    """Those who may read caught mail, and only while the demo's mail catcher runs."""

    @wraps(view)
    def enabled(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not queries.catcher_enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return requires("mail.caught")(enabled)


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


@require_POST
def retry_outgoing(request: HttpRequest, outgoing_id: int) -> HttpResponse:
    """The agent handling the contact (or a supervisor) tries a failed mail again now,
    from the desk's thread; the answer says whether it went."""
    user: Any = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    outgoing = (
        OutgoingMail.objects.for_org(user.organisation_id)
        .select_related("message__contact")
        .filter(pk=outgoing_id, status=OutgoingStatus.FAILED, message__isnull=False)
        .first()
    )
    if outgoing is None:
        raise Http404
    contact = outgoing.message.contact
    if contact.agent_id != user.pk and not (user.is_supervisor or user.is_org_admin):
        raise Http404
    retry_now([outgoing.pk])
    result = deliver(outgoing.pk)
    response = render(request, "channels_email/_retried.html", {"outgoing": result or outgoing})
    response["HX-Retarget"] = "#desk-alert"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Trigger"] = json.dumps({"desk:thread": True})
    return response

"""Settings pages (queues, channels) and the first-run setup. Thin: each view checks
permission and calls one action or query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from distans.accounts.permissions import has_permission, requires
from distans.setup import actions, queries
from distans.setup.forms import QueueForm, queue_initial

View = Callable[..., HttpResponse]


queues_view = requires("queues.manage")
channels_view = requires("channels.manage")
organisation_view = requires("organisation.manage")


def _org(request: HttpRequest) -> Any:
    return request.user.organisation  # type: ignore[union-attr]


@queues_view
def queue_list(request: HttpRequest) -> HttpResponse:
    rows = [(q, queries.opening_overview(q, days=1)) for q in queries.queues(_org(request))]
    may_channels = has_permission(request.user, "channels.manage")  # else the link is a 403
    return render(request, "setup/queues.html", {"rows": rows, "may_channels": may_channels})


@queues_view
def queue_edit(request: HttpRequest, queue_id: int | None = None) -> HttpResponse:
    organisation = _org(request)
    queue = None
    if queue_id is not None:
        queue = queries.get_queue(organisation, queue_id)
        if queue is None:
            raise Http404
    others = [q for q in queries.queues(organisation) if queue is None or q.pk != queue.pk]
    initial = queue_initial(queue, organisation.country)
    if request.method == "POST":
        form = QueueForm(request.POST, queue=queue, other_queues=others, initial=initial)
        if form.is_valid():
            try:
                saved = actions.do_save_queue(organisation, request.user, queue, form.to_settings())  # type: ignore[arg-type]
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The queue “%(name)s” is saved.") % {"name": saved.name})
                return redirect("setup:queue_edit", queue_id=saved.pk)
    else:
        form = QueueForm(queue=queue, other_queues=others, initial=initial)
    overview = queries.opening_overview(queue) if queue is not None else None
    return render(request, "setup/queue_edit.html", {"form": form, "queue": queue, "overview": overview})

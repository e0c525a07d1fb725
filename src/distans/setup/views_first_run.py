"""The first-run setup: a guided path from an empty install to a first answered chat.

``/settings/first-run/``: with nobody in the install, anyone may create the
organisation and its first admin (the one moment an install is open; the login page
sends people here); afterwards only the organisation's admins, step by step.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from distans.accounts.models import Site, Team
from distans.administration.actions import send_invitation_mail
from distans.setup import actions, queries
from distans.setup.forms import (
    ChannelForm,
    FirstAdminForm,
    FirstQueueForm,
    OrganisationForm,
    PeopleForm,
    SitesForm,
    TeamForm,
)
from distans.setup.views import _org, organisation_view

STEPS = (
    ("organisation", gettext_lazy("Organisation")),
    ("sites", gettext_lazy("Sites")),
    ("team", gettext_lazy("First team")),
    ("queue", gettext_lazy("First queue and opening hours")),
    ("channel", gettext_lazy("Channels")),
    ("people", gettext_lazy("Invite agents")),
    ("test", gettext_lazy("Send a test chat")),
)
STEP_NAMES = [name for name, _label in STEPS]


def _next(step: str) -> HttpResponse:
    index = STEP_NAMES.index(step)
    return redirect("setup:first_run_step", step=STEP_NAMES[min(index + 1, len(STEP_NAMES) - 1)])


def start(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("setup:first_run_step", step="organisation")
    if queries.any_person():
        return redirect_to_login(request.get_full_path())
    form = FirstAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = actions.do_create_first_admin(data["organisation"], data["full_name"], data["email"], data["password"])
        except actions.FirstRunClosed:
            return redirect_to_login(request.get_full_path())
        login(request, person, backend=settings.AUTHENTICATION_BACKENDS[0])
        return redirect("setup:first_run_step", step="organisation")
    return render(request, "setup/first_run_start.html", {"form": form})


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@organisation_view
def step(request: HttpRequest, step: str) -> HttpResponse:
    if step not in STEP_NAMES:
        raise Http404
    organisation = _org(request)
    post = request.POST if request.method == "POST" else None
    status = queries.first_run_status(organisation)
    context: dict[str, Any] = {
        "step": step,
        "steps": [(name, label, status[name]) for name, label in STEPS],
        "next_step": STEP_NAMES[min(STEP_NAMES.index(step) + 1, len(STEP_NAMES) - 1)],
    }
    form: Any = None
    actor: Any = request.user
    try:
        if step == "organisation":
            form = OrganisationForm(post, initial={"name": organisation.name, "time_zone": organisation.time_zone, "country": organisation.country})
            if post is not None and form.is_valid():
                actions.do_update_organisation(organisation, actor, form.cleaned_data)
                return _next(step)
        elif step == "sites":
            form = SitesForm(post)
            context["sites"] = list(Site.objects.for_org(organisation))
            if post is not None and form.is_valid():
                data = form.cleaned_data
                actions.do_first_run_sites(organisation, actor, data["office_name"], data["office_address"], data["home"])
                return _next(step)
        elif step == "team":
            form = TeamForm(post)
            context["teams"] = list(Team.objects.for_org(organisation))
            if post is not None and form.is_valid():
                actions.do_first_run_team(organisation, actor, form.cleaned_data["name"], form.cleaned_data["join"])
                return _next(step)
        elif step == "queue":
            form = FirstQueueForm(post, initial={"weekdays": "08:00–16:30"})
            context["queues"] = queries.queues(organisation)
            if post is not None and form.is_valid():
                data = form.cleaned_data
                actions.do_first_run_queue(organisation, actor, data["name"], data["code"], data["weekdays"], data["saturday"], data["sunday"])
                return _next(step)
        elif step == "channel":
            queue = queries.first_queue(organisation)
            if queue is None:
                messages.info(request, _("Set up a queue first."))
                return redirect("setup:first_run_step", step="queue")
            form = ChannelForm(post)
            context["widget"] = queries.first_widget(organisation)
            if post is not None and form.is_valid():
                data = form.cleaned_data
                language = getattr(request, "LANGUAGE_CODE", "sv")
                actions.do_first_run_channel(organisation, actor, queue, data["widget_name"], data["allowed_origin"], data["greeting"], language, data["phone_number"])
                return redirect("setup:first_run_step", step="channel")
        elif step == "people":
            form = PeopleForm(post)
            if post is not None and form.is_valid():
                mails = actions.do_first_run_invitations(organisation, actor, form.cleaned_data["people"], _base_url(request))
                sent = [mail.to for mail in mails if send_invitation_mail(mail)]
                if sent:
                    messages.success(request, _("Invitations sent to %(emails)s.") % {"emails": ", ".join(sent)})
                for mail in mails:
                    if mail.to not in sent:
                        messages.error(request, _("The invitation to %(email)s could not be sent: the mail server did not "
                                                  "answer. Try “Send a new invitation” later.") % {"email": mail.to})  # fmt: skip
                return _next(step)
        elif step == "test":
            context["widget"] = queries.first_widget(organisation)
            context["queue"] = queries.first_queue(organisation)
    except ValidationError as exc:
        if form is None:
            raise
        form.add_error(None, exc)
    context["form"] = form
    if step == "channel" and context.get("widget") is not None:
        context["snippet"] = _snippet(request, context["widget"])
    return render(request, "setup/first_run_step.html", context)


def _snippet(request: HttpRequest, widget: Any) -> str:
    src = request.build_absolute_uri("/chat/widget.js")
    return f'<script src="{src}" data-key="{widget.key}" defer></script>'


@organisation_view
@require_POST
def test_chat(request: HttpRequest) -> HttpResponse:
    """Make the admin an agent of the first queue, then open a page with the widget:
    the chat the admin writes there is offered on their own desk."""
    organisation = _org(request)
    queue = queries.first_queue(organisation)
    widget = queries.first_widget(organisation)
    if queue is None or widget is None:
        messages.info(request, _("Set up a queue and a chat widget first."))
        return redirect("setup:first_run_step", step="channel")
    actions.do_make_agent(request.user, request.user, [queue])  # type: ignore[arg-type]
    return redirect("setup:test_page")


@organisation_view
def test_page(request: HttpRequest) -> HttpResponse:
    widget = queries.first_widget(_org(request))
    if widget is None:
        raise Http404
    return render(request, "setup/test_page.html", {"widget": widget})


"""Settings pages for people, teams and sites, and the invitation link."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from distans.accounts.models import Person
from distans.accounts.permissions import requires
from distans.administration import actions, people_import, queries
from distans.administration.forms import (
    AgentForm,
    ImportForm,
    InviteForm,
    PersonForm,
    SiteForm,
    TeamForm,
)

SESSION_IMPORT = "distans.people_import"


def _me(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]


def _person_or_404(request: HttpRequest, person_id: int) -> Person:
    person = queries.get_person(_me(request), person_id)
    if person is None:
        raise Http404
    return person


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _invite_and_tell(request: HttpRequest, person: Person) -> None:
    if actions.do_invite(_me(request), person, _base_url(request)):
        messages.success(request, _("An invitation was sent to %(email)s.") % {"email": person.email})
    else:
        messages.error(request, _("The invitation to %(email)s could not be sent: the mail server did not "
                                  "answer. Try “Send a new invitation” later.") % {"email": person.email})  # fmt: skip


@require_http_methods(["GET"])
@requires("people.manage")
def people(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    show_inactive = request.GET.get("inactive") == "1"
    return render(
        request,
        "administration/people.html",
        {
            "people": queries.list_people(_me(request), search, show_inactive),
            "search": search,
            "show_inactive": show_inactive,
            "is_admin": queries.is_org_admin(_me(request)),
        },
    )


@require_http_methods(["GET", "POST"])
@requires("people.manage")
def invite(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = InviteForm(request.POST or None, actor=me, teams=queries.manageable_teams(me),
                      initial={"language": me.language, "roles": ["agent"]})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        person = actions.do_create_person(me, form.cleaned_data)
        _invite_and_tell(request, person)
        return redirect("administration:person", person.pk)
    return render(request, "administration/invite.html", {"form": form})


@require_http_methods(["GET", "POST"])
@requires("people.manage")
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    me = _me(request)
    found = _person_or_404(request, person_id)
    initial = {
        "full_name": found.full_name, "email": found.email, "team": found.team,
        "default_site": found.default_site, "roles": found.roles, "language": found.language,
        "phone": found.phone,
    }  # fmt: skip
    form = PersonForm(request.POST or None, actor=me, teams=queries.manageable_teams(me),
                      person=found, initial=initial)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        actions.do_save_person(me, found, form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("administration:person", found.pk)
    return render(
        request,
        "administration/person.html",
        {"person": found, "form": form, "is_me": found.pk == me.pk,
         "pending_invitation": found.invitations.filter(used_at__isnull=True).exists() and not found.has_usable_password()},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@requires("people.manage")
def agent(request: HttpRequest, person_id: int) -> HttpResponse:
    me = _me(request)
    found = _person_or_404(request, person_id)
    state = queries.agent_state_of(found)
    queues = queries.list_queues(found.organisation_id)  # type: ignore[arg-type]
    initial: dict[str, Any] = {}
    if state is not None:
        initial = {
            "skills": "\n".join(f"{k} = {v}" for k, v in sorted(state.skills.items())),
            "languages": state.languages, "endpoint_sip": state.endpoint_sip,
            "queues": [str(q.pk) for q in state.queues.all()],
            **{f"capacity_{k}": v for k, v in (state.capacity or {}).items()},
        }  # fmt: skip
    form = AgentForm(request.POST or None, queues=queues, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "capacity": form.capacity()}
        actions.do_save_agent_settings(me, found, data)
        messages.success(request, _("Saved."))
        return redirect("administration:agent", found.pk)
    return render(request, "administration/agent.html", {"person": found, "form": form, "has_queues": bool(queues)})


@require_POST
@requires("people.manage")
def set_active(request: HttpRequest, person_id: int) -> HttpResponse:
    me = _me(request)
    found = _person_or_404(request, person_id)
    active = request.POST.get("active") == "1"
    if found.pk == me.pk and not active:
        messages.error(request, _("You cannot deactivate yourself."))
    else:
        actions.do_set_person_active(me, found, active)
        messages.success(request, _("%(name)s is active again.") % {"name": found.full_name} if active
                         else _("%(name)s is deactivated; their history is kept.") % {"name": found.full_name})  # fmt: skip
    return redirect("administration:person", found.pk)


@require_POST
@requires("people.manage")
def invite_again(request: HttpRequest, person_id: int) -> HttpResponse:
    found = _person_or_404(request, person_id)
    if not found.is_active:
        messages.error(request, _("Reactivate the person before inviting them."))
    else:
        _invite_and_tell(request, found)
    return redirect("administration:person", found.pk)


@require_http_methods(["GET", "POST"])
@requires("people.manage")
def import_people(request: HttpRequest) -> HttpResponse:
    """Upload → preview (nothing stored) → confirm (all rows or none)."""
    me = _me(request)
    context: dict[str, Any] = {"form": ImportForm()}
    if request.method == "POST":
        text: str | None = None
        if "confirm" in request.POST:
            stashed = request.session.get(SESSION_IMPORT) or {}
            if stashed.get("digest") == request.POST.get("confirm"):
                text = stashed.get("text")
            if text is None:
                context["file_error"] = _("The preview has expired; upload the file again.")
        else:
            form = ImportForm(request.POST, request.FILES)
            context["form"] = form
            if form.is_valid():
                try:
                    text = people_import.decode(form.cleaned_data["file"].read())
                except people_import.ImportFileError as exc:
                    context["file_error"] = str(exc)
        if text is not None:
            try:
                plan = people_import.plan_import(me, text)
            except people_import.ImportFileError as exc:
                context["file_error"] = str(exc)
            else:
                if "confirm" in request.POST and plan.ok:
                    created = people_import.do_import_people(me, plan)
                    request.session.pop(SESSION_IMPORT, None)
                    if request.POST.get("invite") == "1":
                        for person in created:
                            if not person.has_usable_password() and person.is_active:
                                _invite_and_tell(request, person)
                    messages.success(request, _("%(n)s people imported.") % {"n": len(created)})
                    return redirect("administration:people")
                digest = hashlib.sha256(text.encode()).hexdigest()
                request.session[SESSION_IMPORT] = {"digest": digest, "text": text}
                context.update(plan=plan, digest=digest)
    status = 400 if context.get("file_error") else 200
    return render(request, "administration/import.html", context, status=status)


@require_http_methods(["GET"])
@requires("organisation.manage")
def teams(request: HttpRequest) -> HttpResponse:
    return render(request, "administration/teams.html", {"teams": queries.list_teams(_me(request))})


@require_http_methods(["GET", "POST"])
@requires("organisation.manage")
def team(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    me = _me(request)
    found = None
    if team_id is not None:
        found = queries.get_team(me, team_id)
        if found is None:
            raise Http404
    initial = {"name": found.name, "leader": found.leader} if found else {}
    form = TeamForm(request.POST or None, organisation_id=me.organisation_id, team=found, initial=initial)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        actions.do_save_team(me, found, form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("administration:teams")
    return render(request, "administration/team.html", {"team": found, "form": form})


@require_http_methods(["GET"])
@requires("organisation.manage")
def sites(request: HttpRequest) -> HttpResponse:
    return render(request, "administration/sites.html", {"sites": queries.list_sites(_me(request))})


@require_http_methods(["GET", "POST"])
@requires("organisation.manage")
def site(request: HttpRequest, site_id: int | None = None) -> HttpResponse:
    me = _me(request)
    found = None
    if site_id is not None:
        found = queries.get_site(me, site_id)
        if found is None:
            raise Http404
    initial = {f: getattr(found, f) for f in actions.SITE_FIELDS} if found else {}
    form = SiteForm(request.POST or None, organisation_id=me.organisation_id, site=found, initial=initial)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        actions.do_save_site(me, found, form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("administration:sites")
    return render(request, "administration/site.html", {"site": found, "form": form})


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation mail: choose a password, then log in."""
    invitation = actions.find_invitation(token)
    if invitation is None:
        return render(request, "administration/invitation_invalid.html", status=404)
    form = SetPasswordForm(invitation.person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.do_accept_invitation(token, form.cleaned_data["new_password1"]) is None:
            return render(request, "administration/invitation_invalid.html", status=404)
        messages.success(request, _("Your password is set. Log in with your e-mail address."))
        return redirect("login")
    return render(request, "administration/invitation.html", {"form": form, "invitation": invitation})

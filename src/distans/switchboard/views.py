"""The switchboard console (operators), one's own away status (everyone) and the
directory's imports (organisation admins). Views are thin: actions write, queries read."""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from distans.accounts.models import Person
from distans.accounts.permissions import requires
from distans.core.errors import CoreError
from distans.switchboard import actions, queries
from distans.switchboard.forms import AwayForm, CalendarForm, CsvImportForm, LdapForm, MessageForm
from distans.switchboard.models import DirectoryEntry, DirectorySource, PhoneMessage

operator_view = requires("switchboard.operate")
MAX_CSV_BYTES = 10_000_000


def _me(request: HttpRequest) -> Person:
    return cast(Person, request.user)


def _org(request: HttpRequest) -> int:
    return queries.org_of(_me(request))


def _entry(request: HttpRequest, entry_id: int) -> DirectoryEntry:
    entry = queries.get_entry(_org(request), entry_id)
    if entry is None:
        raise Http404
    return entry


def _results(request: HttpRequest, query: str) -> dict[str, Any]:
    found = queries.find(_org(request), query) if query.strip() else []
    presence = queries.presence_of(found)
    return {"query": query, "results": [(e, presence.get(e.pk)) for e in found]}


@require_GET
@operator_view
def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    return render(
        request,
        "switchboard/index.html",
        {
            **_results(request, query),
            **_calls_context(request),
            "taken": queries.messages_taken_by(_me(request)),
        },
    )


@require_GET
@operator_view
def search_results(request: HttpRequest) -> HttpResponse:
    return render(
        request, "switchboard/_results.html", _results(request, request.GET.get("q", "")[:200])
    )


def _calls_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "my_calls": queries.my_calls(_me(request)),
        "switchboard_queues": queries.switchboard_queues(_org(request)),
    }


@require_GET
@operator_view
def calls(request: HttpRequest) -> HttpResponse:
    return render(request, "switchboard/_calls.html", _calls_context(request))


def _entry_context(request: HttpRequest, entry: DirectoryEntry, **extra: Any) -> dict[str, Any]:
    return {
        "entry": entry,
        "presence": queries.presence_of([entry]).get(entry.pk),
        "my_calls": queries.my_calls(_me(request)),
        "form": extra.pop("form", None) or MessageForm(),
        **extra,
    }


@require_GET
@operator_view
def entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    context = _entry_context(request, _entry(request, entry_id))
    template = (
        "switchboard/_entry.html" if request.headers.get("HX-Request") else "switchboard/entry.html"
    )
    return render(request, template, context)


@require_POST
@operator_view
def take_message(request: HttpRequest, entry_id: int) -> HttpResponse:
    target = _entry(request, entry_id)
    form = MessageForm(request.POST)
    extra: dict[str, Any] = {}
    if form.is_valid():
        try:
            extra["taken"] = actions.do_take_message(target, _me(request), form.cleaned_data)
            form = MessageForm()
        except CoreError as exc:
            extra["error"] = str(exc)
    template = (
        "switchboard/_entry.html" if request.headers.get("HX-Request") else "switchboard/entry.html"
    )
    status = 400 if "error" in extra or form.errors else 200
    return render(
        request, template, _entry_context(request, target, form=form, **extra), status=status
    )


@require_POST
@operator_view
def transfer(request: HttpRequest, call_id: int) -> HttpResponse:
    if not queries.call_exists(_org(request), call_id):
        raise Http404
    mode = request.POST.get("mode", "")
    target = None
    if request.POST.get("entry"):
        try:
            target = _entry(request, int(request.POST["entry"]))
        except ValueError:
            raise Http404 from None
    context = _calls_context(request)
    status = 200
    try:
        actions.do_put_through(_me(request), call_id, mode, target)
    except CoreError as exc:
        context["error"] = str(exc)
        status = 409
    context = {**context, **_calls_context(request)}
    if not request.headers.get("HX-Request"):
        return redirect("switchboard:index")
    return render(request, "switchboard/_calls.html", context, status=status)


# --------------------------------------------------------------------- my away status


@require_http_methods(["GET", "POST"])
@requires("switchboard.away")
def away(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    own = queries.entry_of(me)
    form, calendar_form = (
        AwayForm(),
        CalendarForm(initial={"calendar_url": own.calendar_url if own else ""}),
    )
    error = ""
    if request.method == "POST" and own is not None:
        action = request.POST.get("action")
        try:
            if action == "clear":
                actions.do_clear_away(own)
                return redirect("switchboard:away")
            if action == "calendar":
                calendar_form = CalendarForm(request.POST)
                if calendar_form.is_valid():
                    actions.do_set_calendar_url(own, calendar_form.cleaned_data["calendar_url"])
                    return redirect("switchboard:away")
            else:
                form = AwayForm(request.POST)
                if form.is_valid():
                    actions.do_set_away(
                        own, form.cleaned_data["kind"], form.until(), form.cleaned_data["note"]
                    )
                    return redirect("switchboard:away")
        except CoreError as exc:
            error = str(exc)
    context: dict[str, Any] = {
        "own": own,
        "form": form,
        "calendar_form": calendar_form,
        "error": error,
    }
    if own is not None:
        now = timezone.now()
        context["presence"] = queries.presence_of([own], now).get(own.pk)
        context["messages"] = queries.messages_for(own)[:50]
        context["upcoming"] = own.away.filter(until__gt=now).order_by("starts_at")[:10]
    return render(
        request, "switchboard/away.html", context, status=400 if error or form.errors else 200
    )


@require_POST
@requires("switchboard.away")
def message_done(request: HttpRequest, message_id: int) -> HttpResponse:
    me = _me(request)
    own = queries.entry_of(me)
    message = (
        PhoneMessage.objects.for_org(_org(request)).filter(pk=message_id, entry=own).first()
        if own
        else None
    )
    if message is None:
        raise Http404
    actions.do_finish_message(message)
    return redirect("switchboard:away")


# ------------------------------------------------------------------------- directory


@require_http_methods(["GET", "POST"])
@requires("directory.manage")
def directory(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    source = DirectorySource.objects.for_org(org).first()
    csv_form = CsvImportForm()
    ldap_form = LdapForm(
        initial={
            "ldap_url": source.ldap_url if source else "",
            "bind_dn": source.bind_dn if source else "",
            "base_dn": source.base_dn if source else "",
            "user_filter": source.user_filter if source else "(objectClass=person)",
        }
    )
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "csv":
                csv_form = CsvImportForm(request.POST, request.FILES)
                if csv_form.is_valid():
                    upload = csv_form.cleaned_data["file"]
                    if upload.size > MAX_CSV_BYTES:
                        raise actions.InvalidInput(_("The file is larger than 10 MB."))
                    context["result"] = actions.do_import_directory_csv(
                        org, _me(request), upload.read()
                    )
                else:
                    status = 400
            elif action == "ldap_save":
                ldap_form = LdapForm(request.POST)
                if ldap_form.is_valid():
                    actions.do_save_directory_source(org, _me(request), ldap_form.cleaned_data)
                    context["saved"] = True
                else:
                    status = 400
            elif action == "ldap_import":
                context["result"] = actions.do_import_directory_ldap(org, _me(request))
        except CoreError as exc:
            context["error"] = str(exc)
            status = 400
    context.update(
        {
            "csv_form": csv_form,
            "ldap_form": ldap_form,
            "count": queries.entries(org).count(),
            "query": request.GET.get("q", "")[:200],
        }
    )
    if context["query"]:
        context["found"] = queries.find(org, context["query"], limit=100)
    return render(request, "switchboard/directory.html", context, status=status)

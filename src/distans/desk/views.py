"""The agent desktop: a page shell and fragments that re-fetch on live events.

POSTs answer with an empty alert (success, plus ``HX-Trigger`` naming the fragments
to refresh) or an error alert; both are swapped into ``#desk-alert``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from distans.accounts.models import Person, Site
from distans.accounts.permissions import requires
from distans.contacts.actions import do_record_contact_read
from distans.contacts.choices import ContactStatus
from distans.contacts.models import Contact
from distans.contacts.replies import close_warnings
from distans.core.errors import CoreError, StateConflict
from distans.desk import actions, queries
from distans.desk.forms import ArticleForm
from distans.desk.models import Consultation
from distans.desk.permissions import may_edit_articles
from distans.desk.topics import suggestions, topic_names
from distans.routing import actions as routing
from distans.routing import queries as routing_queries
from distans.routing.choices import BreakReason, Presence
from distans.routing.models import Queue

View = Callable[..., HttpResponse]
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


desk_view = requires("desk.use")


def _me(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]


def _done(*fragments: str) -> HttpResponse:
    response = HttpResponse("")
    response["HX-Retarget"] = "#desk-alert"
    response["HX-Reswap"] = "innerHTML"
    response["X-Desk-Ok"] = "1"
    response["HX-Trigger"] = json.dumps({f"desk:{name}": True for name in fragments})
    return response


# Routing's messages an agent can meet on the desk, so that this app's catalogue
# translates them (gettext of the message; unknown ones stay as they are).
ROUTING_MESSAGES = [
    gettext_noop("Choose a topic before you finish the contact."),
    gettext_noop("This contact is not in progress with you."),
    gettext_noop("This offer is no longer open."),
    gettext_noop("This offer has expired."),
    gettext_noop("No such offer."),
    gettext_noop("No such contact."),
    gettext_noop("No such transfer target."),
    gettext_noop("A break needs a reason."),
    gettext_noop("This chat has ended."),
    # Routing's presence and break labels (shown on the desk and the wallboard).
    gettext_noop("Busy"),
    gettext_noop("Wrap-up"),
    gettext_noop("Break"),
    gettext_noop("Away (not responding)"),
    gettext_noop("Lunch"),
    gettext_noop("Meeting"),
    gettext_noop("Training"),
    gettext_noop("Other"),
]


_KNOWN_MESSAGES = frozenset(ROUTING_MESSAGES)


def _failed(request: HttpRequest, error: Exception) -> HttpResponse:
    """The error's words, translated when this catalogue knows them. A state conflict
    this catalogue does not know is the core's internal English (e.g. "Agent 7 is
    wrap_up and cannot accept."): the agent gets a translated general message instead."""
    text = str(error)
    if text in _KNOWN_MESSAGES or _(text) != text:
        text = _(text)
    elif isinstance(error, StateConflict):
        text = _("That is not possible right now: your status or the contact has changed.")
    response = render(request, "desk/_alert.html", {"error": text})
    response["HX-Retarget"] = "#desk-alert"
    response["HX-Reswap"] = "innerHTML"
    return response


def _run(request: HttpRequest, action: Callable[[], object], *fragments: str) -> HttpResponse:
    try:
        action()
    except CoreError as error:
        return _failed(request, error)
    return _done(*fragments)


def _my_contact(request: HttpRequest, contact_id: int) -> Contact:
    contact = queries.my_contact(_me(request), contact_id)
    if contact is None:
        raise Http404
    return contact


@require_GET
@desk_view
def index(request: HttpRequest) -> HttpResponse:
    from distans.telephony.queries import softphone_for

    context = {
        "may_edit_articles": may_edit_articles(request.user),
        "softphone": softphone_for(_me(request)),  # the built-in gateway's browser phone
    }
    return render(request, "desk/index.html", context)


@require_GET
@desk_view
def state(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    agent = routing.get_agent_state(me)
    context = {
        "agent": agent,
        "sites": Site.objects.for_org(me.organisation_id).order_by("kind", "name"),  # type: ignore[arg-type]
        "break_reasons": BreakReason.choices,
        "Presence": Presence,
        "now": timezone.now(),
    }
    return render(request, "desk/_state.html", context)


@require_POST
@desk_view
def set_presence(request: HttpRequest) -> HttpResponse:
    presence = request.POST.get("presence", "")
    if presence not in Presence.values:
        return _failed(request, CoreError(_("Unknown presence.")))
    reason = request.POST.get("reason", "")
    return _run(
        request, lambda: routing.do_set_presence(_me(request), presence, reason), "state", "offers"
    )


@require_POST
@desk_view
def set_location(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    site_id = request.POST.get("site", "")
    site = (
        Site.objects.for_org(me.organisation_id).filter(pk=site_id).first()
        if site_id.isdigit()
        else None
    )
    if site is None:
        raise Http404
    return _run(request, lambda: routing.do_set_location(me, site), "state")


@require_POST
@desk_view
def end_wrap_up(request: HttpRequest) -> HttpResponse:
    return _run(request, lambda: routing.do_end_wrap_up(_me(request)), "state")


@require_GET
@desk_view
def offers(request: HttpRequest) -> HttpResponse:
    offers = routing_queries.list_my_open_offers(_me(request))
    return render(request, "desk/_offers.html", {"offers": offers})


@require_POST
@desk_view
def accept_offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    return _run(
        request, lambda: routing.do_accept_offer(_me(request), offer_id), "offers", "work", "state"
    )


@require_POST
@desk_view
def decline_offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    return _run(request, lambda: routing.do_decline_offer(_me(request), offer_id), "offers")


@require_GET
@desk_view
def workspaces(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    contacts = routing_queries.list_my_active_contacts(me)
    for contact in contacts:
        contact.topic_suggestions = suggestions(contact)  # type: ignore[attr-defined]
    context = {
        "contacts": [(c, queries.earlier_contacts(c)) for c in contacts],
        "topics": topic_names(me.organisation_id),  # type: ignore[arg-type]
        "canned": queries.canned_answers(me),
        "queues": Queue.objects.for_org(me.organisation_id).order_by("name"),
        "colleagues": queries.colleagues(me),
    }
    return render(request, "desk/_workspaces.html", context)


@require_GET
@desk_view
def thread(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _my_contact(request, contact_id)
    do_record_contact_read(_me(request), contact, "thread")
    messages = contact.messages.select_related("author", "outgoing").prefetch_related(
        "attachments"
    )
    return render(request, "desk/_thread.html", {"contact": contact, "thread": messages})


@require_POST
@desk_view
def reply(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _my_contact(request, contact_id)
    files = tuple(request.FILES.getlist("attachments"))
    if any(f.size and f.size > MAX_ATTACHMENT_BYTES for f in files):
        return _failed(request, CoreError(_("An attachment is larger than 10 MB.")))
    text = request.POST.get("text", "")
    try:
        message = actions.do_send_reply(_me(request), contact, text, files)
    except CoreError as error:
        return _failed(request, error)
    outgoing = getattr(message, "outgoing", None)
    if outgoing is not None:
        outgoing.refresh_from_db()  # the first attempt ran after the commit
        if outgoing.status == "failed":
            response = render(request, "desk/_reply_not_sent.html", {"outgoing": outgoing})
            response["HX-Retarget"] = "#desk-alert"
            response["HX-Reswap"] = "innerHTML"
            response["HX-Trigger"] = json.dumps({"desk:thread": True})
            return response
    return _done("thread")


@require_POST
@desk_view
def internal_note(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _my_contact(request, contact_id)
    text = request.POST.get("text", "")
    return _run(
        request,
        lambda: actions.do_add_internal_note(_me(request), contact, text),
        "thread",
        "suggestions",
    )


@require_POST
@desk_view
def save_notes(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _my_contact(request, contact_id)
    notes = request.POST.get("notes", "")
    # The notes are a phone call's only text: its topic suggestions follow them.
    return _run(
        request, lambda: actions.do_save_notes(_me(request), contact, notes), "suggestions"
    )


@require_GET
@desk_view
def topic_suggestions(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The suggested topics of one contact, re-fetched when its text grows (notes
    saved, a message in or an internal note), without reloading the workspace."""
    contact = _my_contact(request, contact_id)
    return render(
        request,
        "desk/_suggestions.html",
        {"contact": contact, "topic_suggestions": suggestions(contact)},
    )


@require_POST
@desk_view
def complete(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _my_contact(request, contact_id)
    topic = request.POST.get("topic", "")
    allowed = topic_names(contact.organisation_id)
    if allowed and topic and topic not in allowed:
        return _failed(request, CoreError(_("Choose one of the listed topics.")))
    notes = request.POST.get("notes", "")
    warnings = close_warnings(contact) if request.POST.get("confirm") != "1" else []
    if warnings:
        response = render(
            request, "desk/_close_warning.html", {"contact": contact, "warnings": warnings}
        )
        response["HX-Retarget"] = "#desk-alert"
        response["HX-Reswap"] = "innerHTML"
        return response
    return _run(
        request,
        lambda: routing.do_complete_contact(_me(request), contact.pk, topic, notes),
        "work",
        "state",
        "today",
    )


@require_POST
@desk_view
def transfer(request: HttpRequest, contact_id: int) -> HttpResponse:
    me = _me(request)
    contact = _my_contact(request, contact_id)
    target = request.POST.get("target", "")
    kind, _sep, pk = target.partition(":")
    to_queue = to_person = None
    if kind == "queue" and pk.isdigit():
        to_queue = Queue.objects.for_org(me.organisation_id).filter(pk=pk).first()
    elif kind == "person" and pk.isdigit():
        to_person = queries.colleagues(me).filter(pk=pk).first()
    if to_queue is None and to_person is None:
        return _failed(request, CoreError(_("Choose a queue or a colleague.")))
    return _run(
        request,
        lambda: routing.do_transfer_contact(me, contact.pk, to_queue=to_queue, to_person=to_person),
        "work",
        "state",
    )


@require_GET
@desk_view
def consultations(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    return render(
        request,
        "desk/_consultations.html",
        {"consultations": queries.my_consultations(me), "me": me},
    )


@require_POST
@desk_view
def ask_colleague(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    contact = None
    contact_id = request.POST.get("contact", "")
    if contact_id.isdigit():
        contact = _my_contact(request, int(contact_id))
    colleague_id = request.POST.get("colleague", "")
    chosen = list(queries.colleagues(me).filter(pk=colleague_id)) if colleague_id.isdigit() else []
    text = request.POST.get("text", "")
    return _run(
        request,
        lambda: actions.do_ask_colleague(me, text, contact=contact, colleagues=chosen),
        "consult",
    )


@require_POST
@desk_view
def consultation_reply(request: HttpRequest, consultation_id: int) -> HttpResponse:
    me = _me(request)
    consultation = (
        Consultation.objects.for_org(me.organisation_id)  # type: ignore[arg-type]
        .filter(pk=consultation_id, participants=me)
        .first()
    )
    if consultation is None:
        raise Http404
    text = request.POST.get("text", "")
    return _run(
        request, lambda: actions.do_ask_colleague(me, text, consultation=consultation), "consult"
    )


@require_GET
@desk_view
def articles(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "desk/_articles.html",
        {"articles": queries.articles_for(_me(request), search), "search": search},
    )


@require_GET
@desk_view
def article(request: HttpRequest, article_id: int) -> HttpResponse:
    me = _me(request)
    found = queries.article(me, article_id)
    if found is None:
        raise Http404
    actions.do_mark_article_read(me, found)
    response = render(
        request, "desk/_article.html", {"article": found, "may_edit": may_edit_articles(me)}
    )
    response["HX-Trigger"] = json.dumps({"desk:articles": True})
    return response


def _article_form(request: HttpRequest, article_id: int | None) -> HttpResponse:
    me = _me(request)
    existing = None
    if article_id is not None:
        existing = queries.article(me, article_id)
        if existing is None:
            raise Http404
    form = ArticleForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_article(
                me,
                form.cleaned_data["title"],
                form.cleaned_data["body"],
                form.cleaned_data["topic"],
                existing,
            )
        except CoreError as error:
            return _failed(request, error)
        return render(request, "desk/_article.html", {"article": saved, "may_edit": True})
    return render(request, "desk/_article_form.html", {"form": form, "article": existing})


@desk_view
@requires("articles.edit")
def article_new(request: HttpRequest) -> HttpResponse:
    return _article_form(request, None)


@desk_view
@requires("articles.edit")
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    return _article_form(request, article_id)


@require_GET
@desk_view
def today(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    return render(
        request,
        "desk/_today.html",
        {
            "contacts": queries.my_contacts_today(me),
            "stats": queries.my_statistics_today(me),
            "active": ContactStatus.ACTIVE,
        },
    )


@require_GET
@desk_view
def team(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/_team.html", {"states": queries.team_states(_me(request))})


@require_GET
@desk_view
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    found = queries.attachment_for(_me(request), attachment_id)
    if found is None:
        raise Http404
    do_record_contact_read(_me(request), found.message.contact, "attachment")
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.filename)

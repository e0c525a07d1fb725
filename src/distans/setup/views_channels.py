"""Channel settings pages (/settings/channels/): thin views over channels.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from distans.channels_chat.models import ChatWidget
from distans.channels_email.models import Mailbox
from distans.setup import actions
from distans.setup import channel_settings as channels
from distans.setup.views import _org, channels_view
from distans.telephony.models import Line


@channels_view
def index(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    return render(
        request,
        "setup/channels.html",
        {
            "widgets": ChatWidget.objects.for_org(organisation).select_related("queue").order_by("name"),
            "mailboxes": Mailbox.objects.for_org(organisation).select_related("queue").order_by("address"),
            "lines": Line.objects.for_org(organisation).select_related("queue").order_by("number"),
        },
    )


def _snippet(request: HttpRequest, widget: ChatWidget) -> str:
    return f'<script src="{request.build_absolute_uri("/chat/widget.js")}" data-key="{widget.key}" defer></script>'


@channels_view
def widget_edit(request: HttpRequest, widget_id: int | None = None) -> HttpResponse:
    organisation = _org(request)
    widget = None
    if widget_id is not None:
        widget = ChatWidget.objects.for_org(organisation).filter(pk=widget_id).first()
        if widget is None:
            raise Http404
    form = channels.WidgetForm(request.POST or None, organisation=organisation, initial=channels.widget_initial(widget))
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_widget(organisation, request.user, widget, form.to_values())  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("setup:widget_edit", widget_id=saved.pk)
    context: dict[str, Any] = {"form": form, "widget": widget, "kind": "widget"}
    if widget is not None:
        context["snippet"] = _snippet(request, widget)
    return render(request, "setup/channel_edit.html", context)


def _model_edit(request: HttpRequest, model: Any, form_class: Any, pk: int | None, name: str, url: str) -> HttpResponse:
    organisation = _org(request)
    instance = None
    if pk is not None:
        instance = model.objects.for_org(organisation).filter(pk=pk).first()
        if instance is None:
            raise Http404
    form = form_class(request.POST or None, instance=instance, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_model_form(organisation, request.user, form, name)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(url, pk=saved.pk)
    return render(request, "setup/channel_edit.html", {"form": form, "object": instance, "kind": name})


@channels_view
def mailbox_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _model_edit(request, Mailbox, channels.MailboxForm, pk, "mailbox", "setup:mailbox_edit")


@channels_view
def line_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _model_edit(request, Line, channels.LineForm, pk, "phone_line", "setup:line_edit")


@channels_view
@require_POST
def mailbox_test(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = Mailbox.objects.for_org(_org(request)).filter(pk=pk).first()
    if mailbox is None:
        raise Http404
    results = channels.test_mailbox_connection(mailbox)
    return render(request, "setup/_connection_test.html", {"results": results})

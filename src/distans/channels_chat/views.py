"""Public views of the widget: the script, the embeddable form, the demo page."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from distans.channels_chat import actions, limits, queries
from distans.channels_chat.forms import ContactForm
from distans.channels_chat.models import ChatWidget
from distans.channels_chat.texts import LANGUAGES, all_texts

WIDGET_SOURCE = Path(__file__).parent / "widget" / "widget.js"


@lru_cache(maxsize=4)
def _widget_script(language_key: str) -> str:
    source = WIDGET_SOURCE.read_text(encoding="utf-8")
    texts = json.dumps(all_texts(), ensure_ascii=False).replace("</", "<\\/")
    return source.replace("__TEXTS__", texts).replace(
        "__MAX_CHARS__", str(limits.MESSAGE_MAX_CHARS)
    )


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    """The widget script: the same for every organisation (the key is the tag's
    data-key), so it is cacheable; embeddable from any origin."""
    response = HttpResponse(_widget_script("all"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _form_language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")[:2]
    return wanted if wanted in LANGUAGES else (translation.get_language() or "sv")[:2]


@csrf_exempt  # public and unauthenticated (often a cross-site iframe); honeypot, signed start, rate limit
@xframe_options_exempt
def form_page(request: HttpRequest, key: str) -> HttpResponse:
    widget = queries.get_active_widget(key)
    if widget is None:
        raise Http404
    language = _form_language(request)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    status = 200
    if request.method == "POST":
        form = ContactForm(request.POST, request.FILES, topics=widget.topics, fields=widget.form_fields)
        if form.is_spam:
            response = _thanks(request, widget, None)
        elif not limits.allow("form-ip", _client_ip(request), limits.FORMS_PER_IP):
            form.add_error(
                None,
                translation.gettext(
                    "Too many messages from your network. Try again in a few minutes."
                ),
            )
            status = 429
            response = _form(request, widget, form, status)
        elif form.is_valid():
            data = form.cleaned_data
            contact = actions.do_submit_form(
                widget,
                name=data.get("name", ""),
                email=data.get("email", ""),
                phone=data.get("phone", ""),
                topic=data.get("topic", ""),
                message=data["message"],
                attachment=data.get("attachment"),
                language=language,
            )
            response = _thanks(request, widget, contact.case_number)
        else:
            response = _form(request, widget, form, 400)
    else:
        response = _form(request, widget, ContactForm(topics=widget.topics, fields=widget.form_fields), status)
    return _frameable_by(response, widget)


def _form(request: HttpRequest, widget: ChatWidget, form: ContactForm, status: int) -> HttpResponse:
    return render(
        request, "channels_chat/form.html", {"widget": widget, "form": form}, status=status
    )


def _thanks(request: HttpRequest, widget: ChatWidget, case: str | None) -> HttpResponse:
    language = (translation.get_language() or "sv")[:2]
    confirmation = (widget.form_confirmation or {}).get(language, "")
    return render(
        request,
        "channels_chat/form_thanks.html",
        {"widget": widget, "case": case, "confirmation": confirmation},
    )


def _frameable_by(response: HttpResponse, widget: ChatWidget) -> HttpResponse:
    origins = [o for o in (queries.normalise_origin(o) for o in widget.allowed_origins or []) if o]
    response._csp_replace = {"frame-ancestors": ["'self'", *origins]}  # type: ignore[attr-defined]
    return response


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


@require_GET
def demo_page(request: HttpRequest) -> HttpResponse:
    """A pretend municipal web page with the demo organisation's widget embedded."""
    from distans.demo.data import DEMO_SLUG

    widget = (
        ChatWidget.objects.filter(organisation__slug=DEMO_SLUG, active=True).order_by("pk").first()
    )
    if widget is None:
        raise Http404
    return render(request, "channels_chat/demo.html", {"widget": widget})

"""Settings pages for API keys and outgoing webhooks."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from distans.accounts.models import Person
from distans.accounts.permissions import PERMISSIONS, requires
from distans.administration import integrations, queries
from distans.administration.forms import ApiKeyForm, WebhookForm


def _me(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]


@require_http_methods(["GET", "POST"])
@requires("integrations.manage")
def api_keys(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        new_key, _token = integrations.do_create_api_key(me, form.cleaned_data["name"], form.cleaned_data["scopes"])
        form = ApiKeyForm()
    keys = queries.list_api_keys(me.organisation_id)  # type: ignore[arg-type]
    labels = {name: rule.label for name, rule in PERMISSIONS.items()}
    rows = [(key, [labels.get(s, s) for s in key.scopes]) for key in keys]
    return render(request, "administration/api_keys.html", {"form": form, "rows": rows, "new_key": new_key})


@require_POST
@requires("integrations.manage")
def revoke_api_key(request: HttpRequest, key_id: int) -> HttpResponse:
    me = _me(request)
    token = queries.get_api_key(me.organisation_id, key_id)  # type: ignore[arg-type]
    if token is None:
        raise Http404
    if token.is_active:
        integrations.do_revoke_api_key(me, token)
        messages.success(request, _("The key “%(name)s” is revoked and no longer works.") % {"name": token.name})
    return redirect("administration:api_keys")


@require_http_methods(["GET"])
@requires("integrations.manage")
def webhooks(request: HttpRequest) -> HttpResponse:
    return render(request, "administration/webhooks.html", {"webhooks": queries.list_webhooks(_me(request).organisation_id)})  # type: ignore[arg-type]


@require_http_methods(["GET", "POST"])
@requires("integrations.manage")
def webhook(request: HttpRequest, webhook_id: int | None = None) -> HttpResponse:
    me = _me(request)
    found = None
    if webhook_id is not None:
        found = queries.get_webhook(me.organisation_id, webhook_id)  # type: ignore[arg-type]
        if found is None:
            raise Http404
    if request.method == "POST" and found is not None and "new_secret" in request.POST:
        integrations.do_new_webhook_secret(me, found)
        messages.success(request, _("A new signing secret is set; update the receiving system."))
        return redirect("administration:webhook", found.pk)
    initial = {"name": found.name, "url": found.url, "events": found.events, "is_active": found.is_active} if found else {"is_active": True}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = integrations.do_save_webhook(me, found, form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("administration:webhook", saved.pk)
    deliveries = queries.list_deliveries(found) if found else []
    return render(request, "administration/webhook.html", {"webhook": found, "form": form, "deliveries": deliveries})

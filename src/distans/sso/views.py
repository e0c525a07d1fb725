"""Single sign-on (mozilla-django-oidc's views, 404 while it is not configured) and the
second factor: the page where admins and supervisors turn it on or off, and the login's
second step (a code from the authenticator app)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import auth
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from mozilla_django_oidc import views as oidc_views

from distans.accounts.models import Person
from distans.accounts.permissions import requires
from distans.sso import actions, providers, queries
from distans.sso.backends import oidc_enabled

PENDING = "distans.second_factor_pending"  # session key: who passed the password step
MAX_TRIES = 5
WRONG_CODE = _("The code is not right. Check the time on your device and try the newest code.")


class ProviderRequestView(oidc_views.OIDCAuthenticationRequestView):
    """mozilla-django-oidc's start, with the provider chosen for this sign-in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        config = providers.config_from_session(request)
        if config is None:
            raise Http404
        self.OIDC_OP_AUTH_ENDPOINT = config.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = config.client_id
        response: HttpResponse = super().get(request)
        return response

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        email = request.GET.get("email", "").strip()
        return {"login_hint": email} if "@" in email and len(email) <= 254 else {}


def start(request: HttpRequest) -> HttpResponse:
    """Sign in with an organisation's provider (``?org=<short name>`` or ``?email=`` whose
    domain is one of its e-mail domains), else with the install-wide one."""
    org, email = request.GET.get("org", ""), request.GET.get("email", "")
    provider = providers.provider_for(org_slug=org, email=email) if (org or email) else None
    if provider is None and not oidc_enabled():
        if org or email:
            return redirect(reverse("login") + "?sso=unknown")
        raise Http404
    providers.remember(request, provider)
    return ProviderRequestView.as_view()(request)


_callback = oidc_views.OIDCAuthenticationCallbackView.as_view()


def callback(request: HttpRequest) -> HttpResponse:
    if providers.SESSION_KEY not in request.session and not oidc_enabled():
        raise Http404
    response: HttpResponse = _callback(request)
    return response


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=8, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9]*", "autofocus": True}),
    )  # fmt: skip

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError(_("The code is 6 digits."), code="digits")
        return str(code)


def begin_second_step(request: HttpRequest, person: Person, backend: str, next_url: str) -> HttpResponse:
    """Called by the login form after a right password when the person has a second
    factor: nobody is logged in until the code is right, so no page, API call or live
    socket is open to a session that has only the password."""
    request.session.cycle_key()
    request.session[PENDING] = {"id": person.pk, "backend": backend, "next": next_url, "tries": 0}
    return redirect("sso:verify")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("login")
    person = Person.objects.filter(pk=pending["id"], is_active=True).first()
    if person is None:
        request.session.pop(PENDING, None)
        return redirect("login")
    if person.language:  # the page in the language the person chose, as after login
        translation.activate(person.language)
        request.LANGUAGE_CODE = person.language  # type: ignore[attr-defined]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.do_check_second_factor(person, form.cleaned_data["code"]):
            request.session.pop(PENDING, None)
            auth.login(request, person, backend=pending["backend"])
            target = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = reverse("home")
            return redirect(target)
        pending["tries"] += 1
        if pending["tries"] >= MAX_TRIES:  # start again from the password
            request.session.pop(PENDING, None)
            return redirect("login")
        request.session[PENDING] = pending
        form.add_error("code", WRONG_CODE)
    return render(request, "sso/verify.html", {"form": form}, status=400 if form.errors else 200)


@requires("account.second_factor")
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, Person)
    device = queries.confirmed_device(person)
    form = CodeForm()
    pending = None
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "start" and device is None:
            pending = actions.do_start_second_factor(person)
        else:
            form = CodeForm(request.POST)
            if form.is_valid():
                code = form.cleaned_data["code"]
                if device is None and actions.do_confirm_second_factor(person, code):
                    return redirect("sso:second_factor")
                if device is not None and actions.do_remove_second_factor(person, code):
                    return redirect("sso:second_factor")
                form.add_error("code", WRONG_CODE)
            status = 400
            if device is None:
                pending = queries.pending_device(person)
    context: dict[str, Any] = {"form": form, "enabled": device is not None, "pending": pending}
    if pending is not None:
        uri = queries.provisioning_uri(pending, person)
        context.update(secret=queries.secret_of(pending), qr=queries.qr_svg(uri), uri=uri)
    return render(request, "sso/second_factor.html", context, status=status)


@requires("organisation.manage")
@require_http_methods(["GET", "POST"])
def sign_in_settings(request: HttpRequest) -> HttpResponse:
    """How people of this organisation sign in: the organisation's own provider (set
    here), the install-wide one's state (environment, docs/dev/sso.md) and the
    redirect URI to register at the provider."""
    from django.conf import settings

    from distans.sso.forms import ProviderForm
    from distans.sso.models import OrganisationProvider

    actor = request.user
    assert isinstance(actor, Person) and actor.organisation is not None  # @requires let them in
    organisation = actor.organisation
    stored = OrganisationProvider.objects.for_org(organisation).first()
    instance = stored or OrganisationProvider(organisation=organisation)
    form = ProviderForm(request.POST or None, instance=instance)
    saved = False
    if request.method == "POST" and form.is_valid():
        actions.do_save_provider(organisation, actor, form)
        return redirect(reverse("sso:settings") + "?saved=1")
    only = settings.DISTANS_OIDC_ORGANISATION
    context = {
        "form": form,
        "provider": stored,
        "saved": saved or request.GET.get("saved") == "1",
        "login_url": request.build_absolute_uri(reverse("login")) + f"?org={organisation.slug}",
        "enabled": settings.DISTANS_OIDC_ENABLED,
        "applies": settings.DISTANS_OIDC_ENABLED and (not only or only == organisation.slug),
        "name": settings.DISTANS_OIDC_NAME,
        "callback": request.build_absolute_uri(reverse("sso:callback")),
        "with_second_factor": queries.people_with_second_factor(organisation),
    }
    return render(request, "sso/sign_in_settings.html", context, status=400 if form.errors else 200)

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from distans.accounts import actions
from distans.accounts.forms import LanguageForm, LoginForm, OutboxPasswordResetForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # An empty install (nobody at all): straight to the first-run setup.
        from django.urls import NoReverseMatch, reverse

        from distans.accounts.models import Person

        if not request.user.is_authenticated and not Person.objects.exists():
            try:
                return redirect(reverse("setup:first_run"))
            except NoReverseMatch:
                pass
        return super().get(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        # With a second factor the password alone logs nobody in (distans.sso).
        from distans.sso import queries, views

        person = form.get_user()
        if queries.has_second_factor(person):
            return views.begin_second_step(self.request, person, person.backend, self.get_redirect_url())
        return super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from django.conf import settings

        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.DISTANS_OIDC_ENABLED
        context["sso_name"] = settings.DISTANS_OIDC_NAME
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        context["sso_unknown"] = self.request.GET.get("sso") == "unknown"
        from distans.sso import providers

        slug = self.request.GET.get("org", "")
        chosen = providers.provider_for(org_slug=slug) if slug else None
        context["sso_org"] = chosen
        context["sso_by_email"] = chosen is None and providers.any_organisation_provider()
        return context


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    form_class = OutboxPasswordResetForm


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    """Says what will happen, not that a mail was sent; warns (whatever the address)
    when system mail is failing at the moment."""

    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from distans.channels_email.outbox import system_mail_failing

        context = super().get_context_data(**kwargs)
        context["mail_failing"] = system_mail_failing()
        return context


@login_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        actions.do_set_person_language(request.user, form.cleaned_data["language"])  # type: ignore[arg-type]
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)

"""Settings pages of the visits app (``/settings/visits/``): the services visitors can
book, and the visitor log's keeping time and the digital meeting link. Audited."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from distans.accounts.models import Person
from distans.accounts.permissions import requires
from distans.visits import actions, queries
from distans.visits.forms import VisitServiceForm, VisitSettingsForm
from distans.visits.models import VisitService

configure = requires("visits.configure")


def _person(request: HttpRequest) -> Person:
    return cast(Person, request.user)


def _org(request: HttpRequest) -> Any:
    return _person(request).organisation


@require_http_methods(["GET"])
@configure
def index(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    return render(
        request,
        "visits/settings_index.html",
        {
            "services": queries.all_services(organisation.pk),
            "settings_form": VisitSettingsForm(instance=queries.settings_of(organisation.pk)),
            "booking_url": request.build_absolute_uri(f"/visits/book/{organisation.slug}/"),
        },
    )


@require_POST
@configure
def save_settings(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    form = VisitSettingsForm(request.POST, instance=queries.settings_of(organisation.pk))
    if form.is_valid():
        actions.do_save_visit_settings(organisation, _person(request), form.cleaned_data)
        messages.success(request, _("Visit settings saved."))
        return redirect("visits_settings:index")
    return render(
        request,
        "visits/settings_index.html",
        {"services": queries.all_services(organisation.pk), "settings_form": form},
        status=400,
    )


def _service_page(request: HttpRequest, service: VisitService) -> HttpResponse:
    organisation = _org(request)
    form = VisitServiceForm(request.POST or None, instance=service, organisation_id=organisation.pk)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        actions.do_save_visit_service(
            organisation, _person(request), saved, form.cleaned_data["staff"]
        )
        messages.success(request, _("Service “%(name)s” saved.") % {"name": saved.name})
        return redirect("visits_settings:index")
    return render(
        request,
        "visits/settings_service.html",
        {"form": form, "service": service if service.pk else None},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@configure
def new_service(request: HttpRequest) -> HttpResponse:
    return _service_page(request, VisitService(organisation=_org(request)))


@require_http_methods(["GET", "POST"])
@configure
def edit_service(request: HttpRequest, service_id: int) -> HttpResponse:
    service = queries.get_service(int(_person(request).organisation_id or 0), service_id)
    if service is None:
        raise Http404
    return _service_page(request, service)

"""Pages of the visits app. Public (no account, plain forms, no JavaScript needed):
the services, their free slots, booking, and the visitor's own page behind a signed
link (cancel, move, calendar file). Staff: the day's visits per site with check-in,
no-show, notes and "close this day"."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from distans.accounts.models import Person
from distans.accounts.permissions import has_permission, requires
from distans.core.errors import StateConflict
from distans.visits import actions, mail, queries
from distans.visits.choices import CancelledBy, VisitStatus
from distans.visits.forms import CloseDayForm, NoteForm, VisitorForm
from distans.visits.models import Visit, VisitService
from distans.web import ratelimit

LANGUAGES = (("sv", "Svenska"), ("nb", "Norsk"), ("en", "English"))
DAYS_PER_PAGE = 7


# --- the public side -------------------------------------------------------------


def _language(request: HttpRequest) -> str:
    """``?lang=`` (kept in every link and form), else the browser's language."""
    chosen = request.GET.get("lang") or request.POST.get("lang") or ""
    if chosen in dict(LANGUAGES):
        translation.activate(chosen)
        setattr(request, "LANGUAGE_CODE", chosen)  # noqa: B010 (not a declared attribute)
        return chosen
    current = (translation.get_language() or "sv")[:2]
    return current if current in dict(LANGUAGES) else "sv"


def _public(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    lang = context.setdefault("lang", _language(request))
    context["languages"] = [(code, name, code == lang) for code, name in LANGUAGES]
    context["here"] = request.path
    if context.get("organisation") is not None:
        context["booking_only"] = queries.settings_of(context["organisation"].pk).booking_only
    response = render(request, template, context, status=status)
    response["Content-Language"] = lang
    response["Cache-Control"] = "no-store"
    return response


def _organisation(slug: str) -> Any:
    organisation = queries.organisation_by_slug(slug)
    if organisation is None:
        raise Http404
    return organisation


def _bookable(organisation: Any, service_id: int) -> VisitService:
    service = queries.bookable_services(organisation.pk).filter(pk=service_id).first()
    if service is None:
        raise Http404
    return service


def _first_day(request: HttpRequest, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("from") or "")
    except ValueError:
        return today
    return max(day, today)


def _slot_page(
    request: HttpRequest, service: VisitService, excluding: int | None = None
) -> dict[str, Any]:
    zone = queries.zone_of(service.organisation)
    today = queries.local_today(service.organisation)
    first = _first_day(request, today)
    last = first + dt.timedelta(days=DAYS_PER_PAGE - 1)
    horizon_end = today + dt.timedelta(days=service.horizon_days)
    slots = queries.available_slots(service, first, last, excluding=excluding)
    days = [
        (day, [(slot.key, slot.starts_at.astimezone(zone), slot.places) for slot in day_slots])
        for day, day_slots in queries.slots_by_day(slots, zone)
    ]
    return {
        "service": service,
        "service_name": service.display_name(),
        "days": days,
        "first": first,
        "last": min(last, horizon_end),
        "previous": (first - dt.timedelta(days=DAYS_PER_PAGE)) if first > today else None,
        "next": last + dt.timedelta(days=1) if last < horizon_end else None,
    }


def _parse_slot(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@require_GET
def services(request: HttpRequest, org: str) -> HttpResponse:
    organisation = _organisation(org)
    rows = [
        (s, s.display_name(_language(request))) for s in queries.bookable_services(organisation.pk)
    ]
    return _public(
        request, "visits/public_services.html", {"organisation": organisation, "services": rows}
    )


@require_GET
def slots(request: HttpRequest, org: str, service_id: int) -> HttpResponse:
    organisation = _organisation(org)
    _language(request)
    service = _bookable(organisation, service_id)
    context = _slot_page(request, service)
    context.update(
        organisation=organisation, action=reverse("visits:details", args=[org, service.pk])
    )
    return _public(request, "visits/public_slots.html", context)


@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, org: str, service_id: int) -> HttpResponse:
    organisation = _organisation(org)
    lang = _language(request)
    service = _bookable(organisation, service_id)
    starts_at = _parse_slot(request.GET.get("slot") or request.POST.get("slot") or "")
    if starts_at is None:
        messages.error(request, _("Choose a time first."))
        return redirect(reverse("visits:slots", args=[org, service.pk]) + f"?lang={lang}")
    form = VisitorForm(request.POST or None, meeting_mode=service.meeting_mode)
    context: dict[str, Any] = {
        "organisation": organisation,
        "service": service,
        "service_name": service.display_name(lang),
        "starts_at": starts_at.astimezone(queries.zone_of(organisation)),
        "slot": starts_at.isoformat(),
        "form": form,
    }
    if request.method == "POST" and form.is_valid():
        address = str(request.META.get("REMOTE_ADDR", ""))
        limit = (settings.DISTANS_VISIT_BOOKINGS_PER_HOUR, 3600)
        if not ratelimit.allow("visits-book", address, limit):
            form.add_error(None, _("Too many bookings from this address. Please try again later."))
            return _public(request, "visits/public_details.html", context, status=429)
        try:
            visit = actions.do_book_visit(
                service,
                starts_at,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                language=lang,
                digital=bool(form.cleaned_data.get("digital")),
                link_base=request.build_absolute_uri("/"),
            )
        except StateConflict as conflict:
            messages.error(request, str(conflict))
            return redirect(reverse("visits:slots", args=[org, service.pk]) + f"?lang={lang}")
        messages.success(
            request, _("Your visit is booked. A confirmation is on its way to your e-mail.")
        )
        return redirect(reverse("visits:manage", args=[mail.sign_token(visit)]) + f"?lang={lang}")
    return _public(
        request, "visits/public_details.html", context, status=400 if form.is_bound else 200
    )


def _visit_of(signed: str) -> Visit:
    token = mail.unsign_token(signed)
    visit = queries.visit_by_token(token) if token else None
    if visit is None:
        raise Http404
    return visit


def _lang_of(request: HttpRequest, visit: Visit) -> str:
    if request.GET.get("lang") or request.POST.get("lang"):
        return _language(request)
    translation.activate(visit.language)
    setattr(request, "LANGUAGE_CODE", visit.language)  # noqa: B010
    return visit.language


@require_GET
def manage(request: HttpRequest, signed: str) -> HttpResponse:
    visit = _visit_of(signed)
    lang = _lang_of(request, visit)
    from django.utils import timezone

    return _public(
        request,
        "visits/public_manage.html",
        {
            **queries.summary(visit),
            "lang": lang,
            "signed": signed,
            "service_name": visit.service.display_name(lang),
            "organisation": visit.organisation,
            "changeable": visit.status == VisitStatus.BOOKED and visit.starts_at > timezone.now(),
        },
    )


@require_GET
def calendar_file(request: HttpRequest, signed: str) -> HttpResponse:
    visit = _visit_of(signed)
    response = HttpResponse(
        mail.ics_text(visit, cancelled=visit.status == VisitStatus.CANCELLED),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="visit.ics"'
    return response


@require_POST
def cancel(request: HttpRequest, signed: str) -> HttpResponse:
    visit = _visit_of(signed)
    lang = _lang_of(request, visit)
    try:
        actions.do_cancel_visit(visit, by=CancelledBy.VISITOR)
    except StateConflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(
            request, _("Your visit is cancelled. A confirmation is on its way to your e-mail.")
        )
    return redirect(reverse("visits:manage", args=[signed]) + f"?lang={lang}")


@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, signed: str) -> HttpResponse:
    visit = _visit_of(signed)
    lang = _lang_of(request, visit)
    back = reverse("visits:manage", args=[signed]) + f"?lang={lang}"
    if visit.status != VisitStatus.BOOKED:
        messages.error(request, _("This visit can no longer be changed."))
        return redirect(back)
    if request.method == "POST":
        starts_at = _parse_slot(request.POST.get("slot") or "")
        if starts_at is None:
            messages.error(request, _("Choose a time first."))
            return redirect(request.path + f"?lang={lang}")
        try:
            actions.do_move_visit(visit, starts_at)
        except StateConflict as conflict:
            messages.error(request, str(conflict))
            return redirect(request.path + f"?lang={lang}")
        messages.success(
            request, _("Your visit is moved. A new confirmation is on its way to your e-mail.")
        )
        return redirect(back)
    context = _slot_page(request, visit.service, excluding=visit.pk)
    context.update(
        organisation=visit.organisation,
        service_name=visit.service.display_name(lang),
        action=request.path,
        method="post",
        moving=visit,
        current=visit.starts_at.astimezone(queries.zone_of(visit.organisation)),
        back=back,
        lang=lang,
    )
    return _public(request, "visits/public_slots.html", context)


# --- the staff side ---------------------------------------------------------------


def _person(request: HttpRequest) -> Person:
    """The logged-in person (the views' permission check let only them in)."""
    return cast(Person, request.user)


def _org(request: HttpRequest) -> Any:
    return _person(request).organisation


def _staff_visit(request: HttpRequest, visit_id: int) -> Visit:
    visit = queries.get_visit(int(_person(request).organisation_id or 0), visit_id)
    if visit is None:
        raise Http404
    return visit


def _day_url(visit: Visit) -> str:
    zone = queries.zone_of(visit.organisation)
    return (
        reverse("visits:day")
        + f"?site={visit.site_id}&day={visit.starts_at.astimezone(zone).date()}"
    )


@require_GET
@requires("visits.receive")
def day(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    sites = list(queries.sites(organisation.pk))
    site = next(
        (s for s in sites if str(s.pk) == request.GET.get("site")), sites[0] if sites else None
    )
    today = queries.local_today(organisation)
    try:
        chosen = dt.date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        chosen = today
    zone = queries.zone_of(organisation)
    visits = list(queries.day_visits(organisation.pk, site.pk, chosen, zone)) if site else []
    context = {
        "sites": sites,
        "site": site,
        "day": chosen,
        "previous": chosen - dt.timedelta(days=1),
        "next": chosen + dt.timedelta(days=1),
        "today": today,
        "rows": [
            (
                v,
                v.starts_at.astimezone(zone),
                v.ends_at.astimezone(zone),
                NoteForm(initial={"note": v.note}, prefix=f"v{v.pk}"),
            )
            for v in visits
        ],
        "booked": sum(1 for v in visits if v.status == VisitStatus.BOOKED),
        "closed": queries.closed_day(site.pk, chosen) if site else None,
        "may_close": has_permission(request.user, "visits.close_day"),
        "close_form": CloseDayForm(
            organisation_id=organisation.pk, initial={"site": site, "day": chosen}
        ),
        "booking_url": reverse("visits:services", args=[organisation.slug]),
        "booking_only": queries.settings_of(organisation.pk).booking_only,
    }
    template = "visits/_day.html" if request.headers.get("HX-Request") else "visits/day.html"
    return render(request, template, context)


def _staff_post(request: HttpRequest, visit_id: int, change: Any) -> HttpResponse:
    visit = _staff_visit(request, visit_id)
    try:
        change(visit)
    except StateConflict as conflict:
        messages.error(request, str(conflict))
    return redirect(_day_url(visit))


@require_POST
@requires("visits.receive")
def check_in(request: HttpRequest, visit_id: int) -> HttpResponse:
    return _staff_post(request, visit_id, actions.do_check_in_visit)


@require_POST
@requires("visits.receive")
def no_show(request: HttpRequest, visit_id: int) -> HttpResponse:
    return _staff_post(request, visit_id, actions.do_mark_visit_no_show)


@require_POST
@requires("visits.receive")
def note(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _staff_visit(request, visit_id)
    form = NoteForm(request.POST, prefix=f"v{visit.pk}")
    if form.is_valid():
        actions.do_save_visit_note(visit, form.cleaned_data["note"])
        messages.success(request, _("Note saved."))
    else:
        messages.error(request, _("The note is too long (at most 4000 characters)."))
    return redirect(_day_url(visit))


@require_POST
@requires("visits.close_day")
def close_day(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    form = CloseDayForm(request.POST, organisation_id=organisation.pk)
    if not form.is_valid():
        messages.error(
            request, _("To close a day, choose the site and the day and tick the confirmation.")
        )
        site_id = request.POST.get("site", "")
        return redirect(reverse("visits:day") + (f"?site={site_id}" if site_id.isdigit() else ""))
    site, chosen = form.cleaned_data["site"], form.cleaned_data["day"]
    count = actions.do_close_visit_day(
        organisation, site, chosen, form.cleaned_data["reason"], _person(request)
    )
    messages.success(
        request,
        _(
            "%(site)s is closed for visits on %(day)s; %(count)d booked visits were cancelled and the visitors told."
        )
        % {"site": site.name, "day": chosen.isoformat(), "count": count},
    )
    return redirect(reverse("visits:day") + f"?site={site.pk}&day={chosen}")

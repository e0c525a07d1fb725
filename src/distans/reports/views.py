"""The reports page for supervisors: table, SVG charts, CSV/XLSX export, raw event export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from distans.accounts.permissions import requires
from distans.accounts.scope import scope_of
from distans.core.reports.periods import Granularity
from distans.core.reports.records import DIMENSIONS
from distans.reports import charts, exports, queries
from distans.reports.forms import DIMENSION_LABELS, ReportForm

View = Callable[..., HttpResponse]


supervisor_view = requires("reports.view")


NOTHING = {"-"}  # a filter value no row has


def _org_id(request: HttpRequest) -> int:
    org_id = getattr(request.user, "organisation_id", None)
    assert isinstance(org_id, int)  # @requires let a person of an organisation in
    return org_id


def _allowed_values(request: HttpRequest) -> dict[str, set[str]] | None:
    """A team leader's dimension values (their teams, their teams' people, the queues
    those people serve); ``None`` for those who see the whole organisation."""
    scope = scope_of(request.user)
    if scope.everything:
        return None
    from distans.accounts.models import Person
    from distans.routing.models import Queue

    org_id = _org_id(request)
    people = Person.objects.for_org(org_id).filter(team_id__in=scope.team_ids)
    queue_codes = Queue.all_objects.for_org(org_id).filter(pk__in=scope.queue_ids)
    return {
        "team": scope.team_values(),
        "agent": {str(pk) for pk in people.values_list("pk", flat=True)},
        "queue": set(queue_codes.values_list("code", flat=True)),
    }


def _form(request: HttpRequest) -> tuple[ReportForm, dict[str, dict[str, str]]]:
    org = request.user.organisation  # type: ignore[union-attr]
    labels = queries.dimension_labels(org)
    allowed = _allowed_values(request) or {}
    choices = {
        d: [(v, labels.get(d, {}).get(v, v)) for v in queries.dimension_values(org, d)
            if d not in allowed or v in allowed[d]]
        for d in DIMENSIONS
    }  # fmt: skip
    return ReportForm(request.GET, choices), labels


def _scoped_filters(request: HttpRequest, filters: dict[str, set[str]]) -> dict[str, set[str]]:
    """A team leader's reports count only their teams' work: the team filter is always
    their teams (what they chose of them)."""
    allowed = _allowed_values(request)
    if allowed is None:
        return filters
    chosen = filters.get("team") or allowed["team"]
    return {**filters, "team": (chosen & allowed["team"]) or NOTHING}


def _records(
    request: HttpRequest, form: ReportForm, labels: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    org = request.user.organisation  # type: ignore[union-attr]
    group = [form.cleaned_data["group"]] if form.cleaned_data.get("group") else []
    rows = queries.report_rows(
        org, form.cleaned_data["start"], form.cleaned_data["end"], Granularity(form.cleaned_data["by"]),
        group_by=group, filters=_scoped_filters(request, form.filters()),
    )  # fmt: skip
    records = []
    for row in rows:
        record = row.as_dict()
        for name in group:
            record[name] = labels.get(name, {}).get(record[name], record[name]) or "–"
        records.append(record)
    return records


@require_GET
@supervisor_view
def index(request: HttpRequest) -> HttpResponse:
    form, labels = _form(request)
    from distans.accounts.permissions import has_permission

    context: dict[str, Any] = {
        "form": form,
        "records": [],
        "dimension_labels": DIMENSION_LABELS,
        "may_see_reach": has_permission(request.user, "announcements.publish"),
    }
    if form.is_valid():
        records = _records(request, form, labels)
        context["records"] = records
        context["group"] = form.cleaned_data.get("group") or ""
        context["settings_row"] = queries.report_settings(request.user.organisation)  # type: ignore[union-attr]
        if not context["group"] and records:
            period_labels = [r["period"] for r in records]
            context["volume_chart"] = charts.bar_chart(
                period_labels,
                [(_("Offered"), [float(r["offered"]) for r in records]),
                 (_("Answered"), [float(r["answered"]) for r in records])],
            )  # fmt: skip
            # Titles from Python: a template's _("… (%)") looks up "… (%%)" (Django
            # doubles the percent sign), which no catalogue has.
            context["volume_title"] = _("Offered and answered")
            context["sl_title"] = _("Service level (%)")
            sl_series = [
                (_("Service level"), [100.0 * (r["service_level"] or 0.0) for r in records])
            ]
            if any(r["abandoned"] for r in records):
                # Abandons make the conventions differ: both, as the legend promises.
                sl_series.append(
                    (_("Service level 2"), [100.0 * (r["service_level_2"] or 0.0) for r in records])
                )
            context["sl_chart"] = charts.bar_chart(period_labels, sl_series)
        context["query"] = request.GET.urlencode()
    return render(request, "reports/index.html", context)


def _export(request: HttpRequest, kind: str) -> HttpResponse:
    form, labels = _form(request)
    if not form.is_valid():
        return HttpResponse(
            _("The report's settings are not valid."), status=400, content_type="text/plain"
        )
    records = _records(request, form, labels)
    if kind == "xlsx":
        response = HttpResponse(
            exports.rows_to_xlsx(records),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(
            exports.rows_to_csv(records), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="report.{kind}"'
    return response


@require_GET
@supervisor_view
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@require_GET
@supervisor_view
def export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


def _allowed_ids(request: HttpRequest) -> tuple[set[int], set[int]] | None:
    """A team leader's (queue ids, people ids) for the raw events; ``None``: all."""
    scope = scope_of(request.user)
    if scope.everything:
        return None
    from distans.accounts.models import Person

    people = Person.objects.for_org(_org_id(request)).filter(team_id__in=scope.team_ids)
    return set(scope.queue_ids), set(people.values_list("pk", flat=True))


@require_GET
@supervisor_view
def events_csv(request: HttpRequest) -> HttpResponse:
    form, _labels = _form(request)
    if not form.is_valid():
        return HttpResponse(
            _("The report's settings are not valid."), status=400, content_type="text/plain"
        )
    org = request.user.organisation  # type: ignore[union-attr]
    zone = ZoneInfo(org.time_zone)
    start = datetime.combine(form.cleaned_data["start"], time(0), tzinfo=zone)
    end = datetime.combine(form.cleaned_data["end"], time(0), tzinfo=zone)
    from datetime import timedelta

    response = StreamingHttpResponse(
        exports.events_to_csv_lines(
            queries.raw_events(org, start, end + timedelta(days=1), _allowed_ids(request))
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="events.csv"'
    return response

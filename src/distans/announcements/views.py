"""Pages of announcements: writing and following them (team leaders, supervisors,
organisation admins), reading and acknowledging them (everyone)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from distans.accounts.models import Person
from distans.accounts.permissions import requires
from distans.announcements import actions, queries
from distans.announcements.forms import AnnouncementForm
from distans.announcements.models import Announcement
from distans.announcements.render import render_markdown
from distans.core.errors import CoreError

View = Callable[..., HttpResponse]


def _me(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]


member_view = requires("announcements.view")
publisher_view = requires("announcements.publish")


def _announcement(request: HttpRequest, announcement_id: int) -> Announcement:
    announcement = queries.get_announcement(_me(request).organisation_id, announcement_id)  # type: ignore[arg-type]
    if announcement is None:
        raise Http404
    return announcement


@require_GET
@member_view
def index(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    context: dict[str, Any] = {"may_publish": queries.may_publish(me)}
    if context["may_publish"]:
        context["announcements"] = queries.list_announcements(me.organisation_id)[:100]  # type: ignore[arg-type]
    return render(request, "announcements/index.html", context)


@require_http_methods(["GET", "POST"])
@publisher_view
def edit(request: HttpRequest, announcement_id: int | None = None) -> HttpResponse:
    me = _me(request)
    announcement = _announcement(request, announcement_id) if announcement_id else None
    form = AnnouncementForm(
        request.POST or None,
        instance=announcement,
        organisation_id=me.organisation_id,  # type: ignore[arg-type]
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_announcement(
                me,
                form.saved_fields(),
                form.chosen_articles(),
                announcement=Announcement.objects.get(pk=announcement.pk) if announcement else None,
                ask_new_ack=bool(form.cleaned_data.get("ask_new_ack")),
            )
        except CoreError as failure:
            error = str(failure)
        else:
            return redirect("announcements:detail", saved.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "announcements/edit.html",
        {"form": form, "announcement": announcement, "error": error},
        status=status,
    )


@require_GET
@publisher_view
def detail(request: HttpRequest, announcement_id: int) -> HttpResponse:
    announcement = _announcement(request, announcement_id)
    language = get_language() or "sv"
    return render(
        request,
        "announcements/detail.html",
        {
            "announcement": announcement,
            "title": announcement.title_in(language[:2]),
            "html": render_markdown(announcement.body_in(language[:2])),
            "revisions": announcement.revisions.all(),
            "articles": announcement.articles.all(),
        },
    )


@require_GET
@publisher_view
def proof(request: HttpRequest, announcement_id: int) -> HttpResponse:
    announcement = _announcement(request, announcement_id)
    rows = queries.proof(announcement)
    return render(
        request,
        "announcements/_proof.html",
        {
            "announcement": announcement,
            "rows": rows,
            "missing": [r for r in rows if not r.acknowledged],
            "reach": queries.reach(announcement),
        },
    )


@require_POST
@publisher_view
def send(request: HttpRequest, announcement_id: int) -> HttpResponse:
    announcement = _announcement(request, announcement_id)
    actions.do_send_announcement(announcement)
    return redirect("announcements:detail", announcement.pk)


@require_POST
@publisher_view
def remind(request: HttpRequest, announcement_id: int) -> HttpResponse:
    announcement = _announcement(request, announcement_id)
    count = actions.do_remind_unacknowledged(_me(request), announcement)
    return render(request, "announcements/_reminded.html", {"count": count})


@require_GET
@publisher_view
def reach_board(request: HttpRequest) -> HttpResponse:
    """Today's reach of the current must-acknowledge announcements (the team leader's
    page: the own team; the wallboard: every team)."""
    me = _me(request)
    team_id = me.team_id if request.GET.get("mine") and me.team_id else None
    board = queries.reach_board(me.organisation, team_id)  # type: ignore[arg-type]
    return render(
        request, "announcements/_reach.html", {"board": board, "team_only": team_id is not None}
    )


@require_GET
@member_view
def mine(request: HttpRequest) -> HttpResponse:
    return _mine(request)


def _mine(request: HttpRequest) -> HttpResponse:
    """The announcements a person has now; showing them is their delivery."""
    me = _me(request)
    receipts = list(queries.my_receipts(me)[:20])
    actions.do_mark_delivered(me, [r.pk for r in receipts if r.delivered_at is None])
    language = (get_language() or "sv")[:2]
    items = [
        {
            "receipt": r,
            "announcement": r.announcement,
            "title": r.announcement.title_in(language),
            "pending": r.announcement.must_acknowledge
            and r.acknowledged_version < r.announcement.ack_version,
        }
        for r in receipts
    ]
    items.sort(key=lambda item: not item["pending"])
    assert me.organisation is not None
    context = {
        "items": items,
        "now": timezone.now(),
        "phase": queries.current_phase(me.organisation),
    }
    return render(request, "announcements/_mine.html", context)


@require_GET
@member_view
def read(request: HttpRequest, announcement_id: int) -> HttpResponse:
    me = _me(request)
    receipt = queries.my_receipt(me, announcement_id)
    if receipt is None:
        raise Http404
    actions.do_mark_seen(me, receipt)
    announcement = receipt.announcement
    language = (get_language() or "sv")[:2]
    return render(
        request,
        "announcements/read.html",
        {
            "announcement": announcement,
            "receipt": receipt,
            "title": announcement.title_in(language),
            "html": render_markdown(announcement.body_in(language)),
            "articles": announcement.articles.all(),
            "pending": announcement.must_acknowledge
            and receipt.acknowledged_version < announcement.ack_version,
        },
    )


@require_POST
@member_view
def acknowledge(request: HttpRequest, announcement_id: int) -> HttpResponse:
    me = _me(request)
    receipt = queries.my_receipt(me, announcement_id)
    if receipt is None:
        raise Http404
    try:
        actions.do_acknowledge(me, receipt)
    except CoreError as failure:
        return render(request, "announcements/_error.html", {"error": str(failure)}, status=409)
    if request.headers.get("HX-Request"):
        return _mine(request)
    return redirect("announcements:read", announcement_id)


@require_http_methods(["GET", "POST"])
@member_view
def phases(request: HttpRequest, phase_id: int | None = None) -> HttpResponse:
    """The published plan of phases (everyone); team leaders, supervisors and admins add
    and change phases here."""
    from distans.announcements.forms import PhaseForm

    me = _me(request)
    publisher = queries.may_publish(me)
    phase = None
    if phase_id is not None:
        phase = queries.phases(me.organisation_id).filter(pk=phase_id).first()  # type: ignore[arg-type]
        if phase is None:
            raise Http404
    if request.method == "POST" and not publisher:
        raise PermissionDenied
    form = PhaseForm(request.POST or None, instance=phase) if publisher else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            actions.do_save_phase(me, fields, phase=phase)
            return redirect("announcements:phases")
        status = 422
    plan = [
        {"phase": p, "rules": render_markdown(p.rules)}
        for p in queries.phases(me.organisation_id)  # type: ignore[arg-type]
    ]
    current = queries.current_phase(me.organisation)  # type: ignore[arg-type]
    return render(
        request,
        "announcements/phases.html",
        {"plan": plan, "current": current, "form": form, "editing": phase},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_view
def staff_questions(request: HttpRequest) -> HttpResponse:
    """Ask (everyone), the staff FAQ with search, one's own questions; for team leaders,
    supervisors and admins also the unanswered ones with their age."""
    me = _me(request)
    error = ""
    if request.method == "POST":
        try:
            actions.do_ask_question(me, request.POST.get("text", ""))
        except CoreError as failure:
            error = str(failure)
        else:
            return redirect("announcements:questions")
    search = request.GET.get("q", "")[:200]
    org_id: int = me.organisation_id  # type: ignore[assignment]
    publisher = queries.may_publish(me)
    return render(
        request,
        "announcements/questions.html",
        {
            "error": error,
            "search": search,
            "faq": queries.staff_faq(org_id, search)[:50],
            "mine": queries.questions(org_id).filter(asked_by=me)[:20],
            "unanswered": queries.unanswered(org_id)[:100] if publisher else None,
            "now": timezone.now(),
        },
        status=422 if error else 200,
    )


@require_POST
@publisher_view
def answer_question(request: HttpRequest, question_id: int) -> HttpResponse:
    me = _me(request)
    question = queries.questions(me.organisation_id).filter(pk=question_id).first()  # type: ignore[arg-type]
    if question is None:
        raise Http404
    try:
        actions.do_answer_question(
            me, question, request.POST.get("answer", ""), request.POST.get("to_all") == "on"
        )
    except CoreError as failure:
        return render(request, "announcements/_error.html", {"error": str(failure)}, status=422)
    return redirect("announcements:questions")


@require_http_methods(["GET", "POST"])
@publisher_view
def newsletter(request: HttpRequest) -> HttpResponse:
    """The digest's browser preview (the e-mail's HTML part), sending it to all now,
    and whether it goes out by itself each week."""
    from distans.announcements.forms import NewsletterSettingsForm
    from distans.announcements.models import NewsletterIssue, NewsletterSettings

    me = _me(request)
    organisation = me.organisation
    assert organisation is not None
    current = NewsletterSettings.objects.for_org(organisation).first()
    form = NewsletterSettingsForm(
        request.POST if "save_settings" in request.POST else None,
        instance=current or NewsletterSettings(organisation=organisation),
    )
    saved = False
    if request.method == "POST" and "save_settings" in request.POST:
        if form.is_valid():
            try:
                actions.do_save_newsletter_settings(
                    me,
                    bool(form.cleaned_data["weekly"]),
                    int(form.cleaned_data["weekday"]),
                    int(form.cleaned_data["hour"]),
                )
            except CoreError as failure:
                form.add_error(None, str(failure))
            else:
                saved = True
    elif request.method == "POST":
        count = actions.do_send_newsletter(me)
        return render(request, "announcements/_reminded.html", {"count": count})
    digest = queries.newsletter(organisation)
    language = (get_language() or "sv")[:2]
    return render(
        request,
        "announcements/newsletter_preview.html",
        {
            **queries.newsletter_in(digest, language),
            "person": me,
            "form": form,
            "saved": saved,
            "issues": NewsletterIssue.objects.for_org(organisation)[:12],
        },
        status=422 if form.errors else 200,
    )


def _day(value: str | None, default: Any) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return default


@require_GET
@publisher_view
def reach_history(request: HttpRequest) -> HttpResponse:
    """Reach over time (a report): each must-acknowledge announcement of a period with
    its reach on the day it was sent, and per week. A team leader sees their own team;
    supervisors and admins every team or one they choose."""
    import datetime as dt

    from distans.accounts.choices import Role
    from distans.accounts.models import Team
    from distans.accounts.permissions import roles_of

    me = _me(request)
    organisation = me.organisation
    assert organisation is not None
    from distans.planning.actions import local_today

    today = local_today(organisation)
    last = _day(request.GET.get("to"), today)
    first = _day(request.GET.get("from"), last - dt.timedelta(days=89))
    error = ""
    if first > last or (last - first).days > 366:
        error = str(_("Choose a period of at most one year, with the first day before the last."))
        first, last = last - dt.timedelta(days=89), last
    teams = list(Team.objects.for_org(organisation).order_by("name"))
    everyone = bool(roles_of(me) & {Role.SUPERVISOR, Role.ORG_ADMIN})
    if everyone:
        chosen = request.GET.get("team", "")
        team_id = next((t.pk for t in teams if str(t.pk) == chosen), None)
    else:
        team_id = me.team_id
        teams = [t for t in teams if t.pk == team_id]
    rows, weeks = queries.reach_history(organisation, first, last, team_id)
    language = (get_language() or "sv")[:2]
    return render(
        request,
        "announcements/reach_history.html",
        {
            "rows": [{"row": r, "title": r.announcement.title_in(language)} for r in rows],
            "weeks": weeks,
            "chart": _week_chart(weeks),
            "chart_width": str(50 + 36 * len(weeks)),
            # from Python: a template's translate of "… (%)" looks up "… (%%)"
            "chart_title": _("Acknowledged within 30 minutes of shift start, per week (%)"),
            "first": first,
            "last": last,
            "teams": teams,
            "team_id": team_id,
            "may_choose_team": everyone,
            "error": error,
        },
        status=422 if error else 200,
    )


def _week_chart(weeks: list[queries.WeekReach]) -> list[dict[str, Any]]:
    """Bars for the SVG: plain numbers (no localisation: a decimal comma breaks SVG)."""
    bars = []
    for index, week in enumerate(weeks):
        percent = week.percent_in_time
        height = 0 if percent is None else 2 * percent  # 200 px = 100 %
        bars.append(
            {
                "x": str(40 + index * 36),
                "y": str(210 - height),
                "height": str(height),
                "label": week.label[-3:],
                "percent": "" if percent is None else str(percent),
                "text_y": str(max(20, 204 - height)),
            }
        )
    return bars

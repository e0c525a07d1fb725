"""The topic tree page for supervisors: tree, edit, CSV import/export, training, surges."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from distans.accounts.permissions import requires
from distans.core.errors import CoreError
from distans.topics import actions, queries
from distans.topics.forms import ImportForm, TopicForm
from distans.topics.models import Topic

View = Callable[..., HttpResponse]


supervisor_view = requires("topics.manage")


def _page(request: HttpRequest, **extra: Any) -> HttpResponse:
    org = request.user.organisation  # type: ignore[union-attr]
    learned = queries.learned_counts(org)
    surges = queries.list_recent_surges(org)
    tree = queries.topic_tree(org)
    context = {
        "tree": tree,
        "tree_rows": [(topic, depth, path, learned.get(path)) for topic, depth, path in tree],
        "surges": [
            (surge, queries.describe_surge(surge.alert, org.time_zone))
            for surge in queries.label_surges(org, surges)
        ],
        "settings_row": queries.topic_settings(org),
        "import_form": ImportForm(),
        **extra,
    }
    return render(request, "topics/index.html", context)


@require_GET
@supervisor_view
def index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_GET
@supervisor_view
def export(request: HttpRequest) -> HttpResponse:
    text = actions.export_topics_csv(request.user.organisation)  # type: ignore[union-attr]
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="topics.csv"'
    return response


@require_POST
@supervisor_view
def import_csv(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, import_form=form)
    raw = form.cleaned_data["file"].read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _page(request, import_errors=[(0, _("The file is not UTF-8 text."))])
    result = actions.do_import_topics(request.user.organisation, text)  # type: ignore[union-attr]
    return _page(request, import_result=result, import_errors=result.errors)


@require_http_methods(["GET", "POST"])
@supervisor_view
def edit(request: HttpRequest, topic_id: int | None = None) -> HttpResponse:
    org = request.user.organisation  # type: ignore[union-attr]
    topic = None
    if topic_id is not None:
        topic = Topic.objects.for_org(org).filter(pk=topic_id).first()
        if topic is None:
            raise Http404
    form = TopicForm(request.POST or None, instance=topic, organisation=org)
    error = ""
    if request.method == "POST" and form.is_valid():
        values = {
            name: form.cleaned_data[name]
            for name in ("code", "name", "parent", "active", "ordering")
        }
        try:
            actions.do_save_topic(org, topic, keywords=form.keywords(), **values)
        except CoreError as exc:
            error = str(exc)
        else:
            return redirect("topics:index")
    return render(request, "topics/edit.html", {"form": form, "topic": topic, "error": error})


@require_POST
@supervisor_view
def train(request: HttpRequest) -> HttpResponse:
    trained = actions.do_train_topic_model(request.user.organisation, force=True)  # type: ignore[union-attr]
    message = _("The suggestion model was trained.") if trained else _("Nothing to learn from yet.")
    return _page(request, train_message=message)


watcher_view = requires("wallboard.view")  # those who watch the wallboard see its surges


@require_GET
@watcher_view
def surges_now(request: HttpRequest) -> HttpResponse:
    """The ongoing surges as a fragment (the wallboard and the supervisor's home fetch
    it on load and on every live ``surge`` event)."""
    org = request.user.organisation  # type: ignore[union-attr]
    return render(request, "topics/_surges_now.html", {"surges": queries.surges_now(org)})

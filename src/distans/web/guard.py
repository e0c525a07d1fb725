"""The edge's guard against text no field can hold (see :mod:`distans.core.text`).

One layer for every HTTP input: :class:`HostileTextMiddleware` checks the path, the
query string and form fields of every request; the API's JSON bodies are checked by
its parser (``distans.api.main.GuardedParser``); the chat socket calls
:func:`distans.core.text.text_problem` on each frame. A refused request gets 400 with
the reason in the API's error format (under /api/) or in the person's language.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from distans.core.text import TOO_DEEP, text_problem

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def problem_message(problem: str) -> str:
    if problem == TOO_DEEP:
        return _("The data is nested too deeply.")
    return _(
        "The text contains a character that cannot be stored (a NUL character or an "
        "unpaired surrogate). Remove it and try again."
    )


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def refusal(request: HttpRequest, problem: str) -> HttpResponse:
    message = problem_message(problem)
    if is_api(request):
        return JsonResponse({"code": "invalid_text", "message": message}, status=400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def request_problem(request: HttpRequest) -> str | None:
    problem = text_problem(request.path_info) or text_problem(list(request.GET.lists()))
    if problem is None and request.method not in ("GET", "HEAD", "OPTIONS"):
        if request.content_type in FORM_TYPES:
            problem = text_problem(list(request.POST.lists()))
            if problem is None:
                problem = text_problem([f.name or "" for f in request.FILES.values()])
    return problem


class HostileTextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = request_problem(request)
        if problem is not None:
            return refusal(request, problem)
        return self.get_response(request)

"""A service out of reach (the database, Redis) is an outage, not a bug: the answer is
503 with Retry-After, in the API's error format under /api/ and in the person's
language elsewhere — never a 500 page or a traceback.

Three places turn such an error into that answer: :class:`OutageMiddleware` (errors
from views), :func:`server_error` (``handler500``: errors raised in middleware, e.g.
reading the session, when DEBUG is off) and the API's exception handler.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import redis.exceptions
from django import db
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 15

OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    db.OperationalError,
    db.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
)


def is_outage(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, OUTAGE_ERRORS):
            return True
        error = error.__cause__ or error.__context__
    return False


def outage_response(request: HttpRequest) -> HttpResponse:
    message = _("The service is temporarily unavailable. Please try again in a moment.")
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"code": "unavailable", "message": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class OutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return outage_response(request) if is_outage(exception) else None


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: called inside Django's except block, so the error is known."""
    if is_outage(sys.exc_info()[1]):
        return outage_response(request)
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"code": "server_error", "message": _("Something went wrong on the server.")},
            status=500,
        )
    return HttpResponseServerError(
        _("Something went wrong on the server."), content_type="text/plain; charset=utf-8"
    )

"""The HTTP API (django-ninja); OpenAPI at /api/docs. Apps add routers here.

Every answer that is not a success has the one error format ``{"code", "message"}``
(:class:`distans.api.errors.ErrorOut`), whatever went wrong: a deliberate
:class:`CoreError`, invalid input (422, with ``errors``), text no field can hold (400,
``invalid_text``), a body that is not JSON (400), no or a wrong login (401), an
unknown path (404), the database or Redis out of reach (503 with Retry-After), or a
bug (500, never a traceback, whatever DEBUG says). The OpenAPI document lists these
answers on every operation.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from distans.api.auth import AUTH
from distans.core.errors import CoreError, InvalidInput, StateConflict
from distans.core.text import text_problem
from distans.web.guard import problem_message

logger = logging.getLogger(__name__)


class HostileText(InvalidInput):
    code = "invalid_text"

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem_message(problem))


class GuardedParser(Parser):
    """JSON bodies, refused when they hold text no field can hold (NUL, unpaired
    surrogates) or nest deeper than any input of Distans (query strings and paths are
    checked for every request by :class:`distans.web.guard.HostileTextMiddleware`)."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = json.loads(request.body)
        except RecursionError as error:
            raise HostileText("too_deep") from error
        problem = text_problem(data)
        if problem is not None:
            raise HostileText(problem)
        return data


class DistansAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        return document_error_answers(schema)


ERROR_ANSWERS = {
    "400": "The request is not valid (unreadable body, text that cannot be stored).",
    "401": "No login and no valid API key.",
    "403": "The caller may not do this.",
    "404": "No such object (or not in the caller's organisation).",
    "413": "The request body is larger than accepted.",
    "422": "The input does not match the schema.",
    "503": "The database or Redis is out of reach; try again after Retry-After seconds.",
}


def document_error_answers(schema: Any) -> Any:
    """Every operation can answer each of :data:`ERROR_ANSWERS` in the error format."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "Error",
        {
            "title": "Error",
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object"}},
            },
            "required": ["code", "message"],
        },
    )
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in ERROR_ANSWERS.items():
                answer = responses.get(status) or responses.get(int(status))
                if answer is None:
                    responses[status] = {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    }
    return schema


api = DistansAPI(
    title="Distans API",
    version="1",
    description=(
        "Contacts, routing, agents and the telephony adapter contract. Authenticate with "
        "a session (browser, CSRF token in X-CSRFToken) or `Authorization: Bearer <key>`. "
        'Every error answer is `{"code": …, "message": …}`.'
    ),
    auth=AUTH,
    urls_namespace="api",
    parser=GuardedParser(),
)


def error_response(request: HttpRequest, code: str, message: str, status: int, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


def _status_for(error: CoreError) -> int:
    if error.code == "not_found":
        return 404
    if error.code == "forbidden":
        return 403
    if error.code == "too_large":
        return 413
    if isinstance(error, StateConflict):
        return 409
    if isinstance(error, InvalidInput):
        return 400
    return 400


@api.exception_handler(CoreError)
def core_error(request: HttpRequest, exc: CoreError) -> HttpResponse:
    return error_response(request, exc.code, str(exc), _status_for(exc))


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(
        request, "invalid_input", _("The request is not valid."), 422, errors=exc.errors
    )


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, "unauthorized", _("Log in or give an API key."), 401)


def too_large(request: HttpRequest) -> HttpResponse:
    return error_response(
        request,
        "too_large",
        _("The request is larger than the server accepts (at most %(mib)s MiB).")
        % {"mib": round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024, 1)},
        413,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, CoreError):  # the parser's refusal, wrapped by django-ninja
        return core_error(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return too_large(request)
    if exc.status_code == 400:
        return error_response(request, "bad_request", _("The request body is not valid JSON."), 400)
    if exc.status_code == 403:
        return error_response(request, "forbidden", _("The request was refused (CSRF check)."), 403)
    return error_response(request, f"http_{exc.status_code}", str(exc), exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, "not_found", _("Not found."), 404)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug, or a service out of reach: never a traceback in the answer (DEBUG or
    not); the traceback goes to the log."""
    from distans.web.outage import is_outage, outage_response

    if is_outage(exc):
        return outage_response(request)
    if isinstance(exc, RequestDataTooBig):
        return too_large(request)
    if isinstance(exc, SuspiciousOperation):  # e.g. too many fields: the client's fault
        return error_response(request, "bad_request", _("The request is not valid."), 400)
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(request, "server_error", _("Something went wrong on the server."), 500)


def register_routers() -> None:
    """Each app's ``api.py`` with a ``router`` is mounted at /api/ (paths are its own)."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("distans.") or config.name == "distans.api":
            continue
        try:
            module = import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.api":
                raise
            continue
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router("/", router)


register_routers()


class ApiErrorFormatMiddleware:
    """Outermost: an error answered under /api/ by something other than the API's own
    handlers (405 for a wrong method, Django's 400 for a bad Host header, a 403/404
    page) is rewritten into the error format, so an API client never parses HTML."""

    CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 413: "too_large", 500: "server_error", 503: "unavailable"}  # fmt: skip

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from django.http import JsonResponse

            code = self.CODES.get(response.status_code, f"http_{response.status_code}")
            messages = {
                405: _("This method is not allowed here."),
                500: _("Something went wrong on the server."),
            }
            message = messages.get(response.status_code, _("The request is not valid."))
            rewritten = JsonResponse({"code": code, "message": str(message)}, status=response.status_code)
            for header in ("Allow", "Retry-After"):
                if header in response:
                    rewritten[header] = response[header]
            return rewritten
        return response

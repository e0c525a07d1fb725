"""The HTTP API (django-ninja); OpenAPI at /api/docs. Apps add routers here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from distans.api.auth import AUTH
from distans.core.errors import CoreError, InvalidInput, StateConflict

api = NinjaAPI(
    title="Distans API",
    version="1",
    description=(
        "Contacts, routing, agents and the telephony adapter contract. Authenticate with "
        "a session (browser, CSRF token in X-CSRFToken) or `Authorization: Bearer <key>`."
    ),
    auth=AUTH,
    urls_namespace="api",
)


def _status_for(error: CoreError) -> int:
    if error.code == "not_found":
        return 404
    if error.code == "forbidden":
        return 403
    if isinstance(error, StateConflict):
        return 409
    if isinstance(error, InvalidInput):
        return 400
    return 400


@api.exception_handler(CoreError)
def core_error(request: HttpRequest, exc: CoreError) -> HttpResponse:
    return api.create_response(
        request, {"code": exc.code, "message": str(exc)}, status=_status_for(exc)
    )


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "invalid_input", "message": _("The request is not valid."), "errors": exc.errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthorized", "message": _("Log in or give an API key.")}, status=401
    )


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

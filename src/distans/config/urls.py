"""URL configuration: every app with a ``urls.py`` is mounted under its own prefix."""

from importlib import import_module

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _

from distans.accounts.admin import site as admin_site
from distans.api.main import api

# app → URL prefix. An app without urls.py is skipped.
APP_PREFIXES = {
    "team": "team/",
    "desk": "desk/",
    "wallboard": "wallboard/",
    "topics": "topics/",
    "reports": "reports/",
    "planning": "planning/",
    "announcements": "announcements/",
    "absence": "absence/",
    "continuity": "continuity/",
    "wellbeing": "wellbeing/",
    "switchboard": "switchboard/",
    "channels_chat": "chat/",
    "channels_email": "email/",
    "telephony": "telephony/",
    "administration": "settings/",
    "setup": "settings/",
    "sso": "account/sso/",
    "visits": "visits/",
}

urlpatterns = [
    path("", include("distans.web.urls")),
    path("account/", include("distans.accounts.urls")),
    path("account/invitation/", include("distans.administration.invitation_urls")),
    path("admin/", admin_site.urls),
    path("settings/visits/", include("distans.visits.settings_urls")),
    path("api/", api.urls),
]

for _app, _prefix in APP_PREFIXES.items():
    try:
        import_module(f"distans.{_app}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"distans.{_app}.urls":
            raise
        continue
    urlpatterns.append(path(_prefix, include(f"distans.{_app}.urls")))


def api_not_found(request: HttpRequest) -> HttpResponse:
    """An unknown path under /api/ answers in the API's error format, not HTML."""
    return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)


urlpatterns.append(re_path(r"^api/", api_not_found, name="api_not_found"))

handler500 = "distans.web.outage.server_error"

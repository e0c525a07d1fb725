"""The sign-in redirect and the provider's callback (mozilla-django-oidc's views), which
answer 404 while single sign-on is not configured."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from mozilla_django_oidc import views as oidc_views

from distans.sso.backends import oidc_enabled


def _only_when_enabled(view: Any) -> Any:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        return view(request, *args, **kwargs)  # type: ignore[no-any-return]

    return wrapped


start = _only_when_enabled(oidc_views.OIDCAuthenticationRequestView.as_view())
callback = _only_when_enabled(oidc_views.OIDCAuthenticationCallbackView.as_view())

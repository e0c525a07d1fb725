from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from distans.accounts.permissions import requires
from distans.team import queries


@requires("team.view")
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "team/index.html", {"team": request.user.team})  # type: ignore[union-attr]


@requires("team.view")
def online(request: HttpRequest) -> HttpResponse:
    members = queries.list_my_team_with_online(request.user)  # type: ignore[arg-type]
    return render(request, "team/_online.html", {"members": members})

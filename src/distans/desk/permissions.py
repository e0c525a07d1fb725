"""Who may use the desk and edit knowledge articles."""

from __future__ import annotations

from typing import Any


def is_desk_user(user: Any) -> bool:
    return bool(
        user.is_authenticated and user.organisation_id and (user.is_agent or user.is_team_leader)
    )


def may_edit_articles(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.organisation_id
        and (user.is_team_leader or user.is_supervisor or user.is_org_admin)
    )

"""Who may use the desk and edit knowledge articles (read from the one table in
``accounts/permissions.py``)."""

from __future__ import annotations

from typing import Any

from distans.accounts.permissions import has_permission


def is_desk_user(user: Any) -> bool:
    return has_permission(user, "desk.use")


def may_edit_articles(user: Any) -> bool:
    return has_permission(user, "articles.edit")

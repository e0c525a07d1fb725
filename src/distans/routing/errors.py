"""Errors the routing side raises on purpose; the API turns them into 4xx JSON."""

from django.utils.translation import gettext_lazy as _

from distans.core.errors import InvalidInput, StateConflict


class NotFound(InvalidInput):
    code = "not_found"


def offer_gone() -> StateConflict:
    error = StateConflict(str(_("This offer is no longer open.")))
    error.code = "offer_not_open"
    return error

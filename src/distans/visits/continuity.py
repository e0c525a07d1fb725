"""The walk-in desk's booking-only mode as a part of continuity plans.

A plan's ``extensions["visits"]`` is ``{"desk": "booking_only"}`` (or ``"open"``):
while the plan is in force ``VisitSettings.booking_only`` is on — a banner on the
public booking pages and on the staff's day list says the walk-in desk is closed and
visitors come by appointment only. Activation captures the mode before and ending
applies it again, so ending gives back exactly the setting before. Registered in
``VisitsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NAME = "visits"
BOOKING_ONLY = "booking_only"
OPEN = "open"


def capture(organisation: Any, data: Any) -> dict[str, str]:
    """Today's mode of the walk-in desk."""
    from distans.visits.queries import settings_of

    return {"desk": BOOKING_ONLY if settings_of(organisation.pk).booking_only else OPEN}


def _mode(state: Any) -> str:
    mode = state.get("desk") if isinstance(state, dict) else state
    if mode not in (BOOKING_ONLY, OPEN):
        raise ValidationError(
            _("The walk-in desk is either open or booking only, not %(mode)s.")
            % {"mode": str(mode)[:40]}
        )
    return str(mode)


def apply(organisation: Any, actor: Any, state: Any) -> None:
    """Make the walk-in desk's mode ``state`` (inside the activation's transaction),
    audited as any change of the visit settings; the day lists follow live."""
    from distans.visits.actions import _publish_day, do_save_visit_settings
    from distans.visits.models import VisitSettings

    wanted = _mode(state) == BOOKING_ONLY
    row = VisitSettings.objects.for_org(organisation).first()
    if row is None and not wanted:
        return  # never set: nothing to give back
    if row is not None and row.booking_only == wanted:
        return
    do_save_visit_settings(organisation, actor, {"booking_only": wanted})
    _publish_day(None, 0, organisation.pk)  # sent after the commit


def difference(before: Any, after: Any) -> list[Any]:
    from distans.continuity.plan_data import Item

    def words(state: Any) -> str:
        if state is None:
            return "—"
        return _("booking only") if _mode(state) == BOOKING_ONLY else _("open for walk-in")

    if before is not None and after is not None and _mode(before) == _mode(after):
        return []
    return [
        Item(
            _("Visits"),
            _("The walk-in desk"),
            "changed",
            [(_("mode"), words(before), words(after))],
        )
    ]


def register() -> None:
    from distans.continuity.extensions import Extension
    from distans.continuity.extensions import register as register_extension

    register_extension(Extension(NAME, capture, apply, difference))

"""Scheduled switching: a plan's ``activate_at`` / ``deactivate_at``."""

from __future__ import annotations

from distans.background import every


@every(30)
def switch_due_plans() -> None:
    from distans.continuity.actions import do_switch_due_plans

    do_switch_due_plans()

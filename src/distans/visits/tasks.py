"""Periodic jobs of the visits app: reminders and the visitor log's deletion."""

from __future__ import annotations

from distans.background import every
from distans.visits import actions


@every(120)
def send_visit_reminders() -> None:
    actions.do_send_visit_reminders()


@every(3600)
def delete_old_visits() -> None:
    actions.do_delete_old_visits()

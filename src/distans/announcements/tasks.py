"""Background work of announcements: scheduled sending, reminders, escalation, and
the chat tools' retries."""

from __future__ import annotations

from django.utils import timezone

from distans.announcements import actions
from distans.background import every


@every(30)
def send_due() -> None:
    """Scheduled announcements whose time has come; chat notices to retry."""
    now = timezone.now()
    actions.do_send_due_announcements(now)
    actions.do_announce_phase_changes(now)
    actions.send_due_chat(now)


@every(60)
def remind_and_escalate() -> None:
    """Reminders to those who have not acknowledged (at their shift start, then every
    N hours) and, after N hours, the list to their team leader."""
    now = timezone.now()
    actions.do_send_due_reminders(now)
    actions.do_escalate_due(now)


@every(300)
def weekly_newsletter() -> None:
    """The staff newsletter of each organisation that asked for it weekly, when due."""
    actions.do_send_weekly_newsletters(timezone.now())

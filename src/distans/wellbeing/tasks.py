"""Background work of wellbeing: the daily check-in reminder to team leaders."""

from __future__ import annotations

from django.utils import timezone

from distans.background import every
from distans.wellbeing import actions


@every(15 * 60)
def remind_checkins() -> None:
    """Team leaders whose people have not been checked on for the organisation's
    number of days get one notice a day (on their page and by e-mail)."""
    actions.do_send_checkin_reminders(timezone.now())

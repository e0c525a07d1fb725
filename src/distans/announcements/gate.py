"""The presence gate: no going available while a blocking announcement waits."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from distans.core.errors import InvalidInput

MESSAGE = gettext_noop("Read and acknowledge the announcement before you go available.")


class AcknowledgementRequired(InvalidInput):
    code = "acknowledgement_required"


def acknowledge_first(person: Any) -> None:
    from distans.announcements.queries import blocking_for

    if blocking_for(person):
        raise AcknowledgementRequired(MESSAGE)

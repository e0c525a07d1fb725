"""Signals other apps listen to (sent after commit)."""

from django.dispatch import Signal

# sender=Contact class; kwargs: contact_id, person_id, channel
contact_accepted = Signal()

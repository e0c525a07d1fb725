from django.db import models
from django.utils import timezone

from distans.accounts.models import OrgOwned


class LiveConnection(OrgOwned):
    """One open websocket of a person; "online" means a fresh heartbeat."""

    person = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    opened_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now, db_index=True)

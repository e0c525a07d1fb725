"""Queues, agent states, offers and the append-only event log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import LiveManager, Organisation, OrgOwned, OrgQuerySet
from distans.routing.choices import BreakReason, FallbackKind, OfferStatus, Presence, Strategy

DEFAULT_WEEKLY_HOURS = {str(d): [["08:00", "16:30"]] for d in range(5)}
DEFAULT_CAPACITY = {"phone": 1, "callback": 1, "chat": 3, "email": 5, "form": 5}


class Queue(OrgOwned):
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=50)
    strategy = models.CharField(
        _("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.LONGEST_IDLE
    )
    aging_per_minute = models.FloatField(_("priority aging per minute"), default=0.0)
    # [{"after_seconds": 60, "min_level": 3}, {"after_seconds": 120, "min_level": null}]
    widening = models.JSONField(_("skill widening"), default=list, blank=True)
    # [{"to": "<queue code>", "after_seconds": 300, "when_no_agents": false, "when_longer_than": null}]
    overflow = models.JSONField(_("overflow rules"), default=list, blank=True)
    max_wait_seconds = models.PositiveIntegerField(_("maximum wait (s)"), null=True, blank=True)
    fallback = models.CharField(
        _("fallback"),
        max_length=20,
        choices=FallbackKind.choices,
        default=FallbackKind.CALLBACK_OFFER,
    )
    # Empty: contacts wait for the queue to open (e-mail, forms).
    closed_fallback = models.CharField(
        _("when closed"),
        max_length=20,
        choices=FallbackKind.choices,
        blank=True,
        default=FallbackKind.CLOSED_MESSAGE,
    )
    offer_timeout_seconds = models.PositiveIntegerField(_("offer timeout (s)"), default=20)
    wrap_up_seconds = models.PositiveIntegerField(_("wrap-up (s)"), default=30)
    max_consecutive_timeouts = models.PositiveIntegerField(
        _("timeouts in a row before away"), default=3
    )
    service_level_seconds = models.PositiveIntegerField(_("service level target (s)"), default=20)
    service_level_target = models.FloatField(_("service level target (share)"), default=0.8)
    is_switchboard = models.BooleanField(_("switchboard"), default=False)
    # Opening hours: weekday "0" (Monday) … "6" → [["08:00","12:00"], …]
    weekly_hours = models.JSONField(_("weekly hours"), default=dict, blank=True)
    holiday_country = models.CharField(_("public holidays"), max_length=2, blank=True, default="SE")
    # {"2026-12-23": [["08:00","12:00"]], "2026-06-18": []}
    special_days = models.JSONField(_("special days"), default=dict, blank=True)
    always_open = models.BooleanField(_("always open"), default=False)
    # Hours on a public holiday, by holiday key ("se_julafton" → [["08:00","12:00"]]);
    # a holiday not listed is closed.
    holiday_hours = models.JSONField(_("holiday hours"), default=dict, blank=True)
    # The channels the queue takes ("phone", "chat", "email", "form", "callback").
    channels = models.JSONField(_("channels"), default=list, blank=True)
    # Base priority of a contact that arrives here (higher first) and the skills it
    # needs ({"bygglov": 3}), unless the arrival names its own.
    priority = models.IntegerField(_("priority"), default=0)
    required_skills = models.JSONField(_("required skills"), default=dict, blank=True)
    # Hours a callback request stays valid (empty: the organisation's telephony setting).
    callback_valid_hours = models.PositiveIntegerField(
        _("callback valid for (hours)"), null=True, blank=True
    )
    # What waiting visitors and callers see or hear, per language and kind:
    # {"sv": {"waiting": "…", "closed": "…", "callback": "…"}, "nb": {…}, "en": {…}}
    waiting_texts = models.JSONField(_("texts for those waiting"), default=dict, blank=True)
    round_robin_after = models.CharField(max_length=64, blank=True)
    # Set when a continuity plan's temporary item that has history is put away: hidden
    # from the setup (default manager), kept for its history (``all_objects``).
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects: ClassVar[Any] = LiveManager()
    all_objects: ClassVar[Any] = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="queue_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class AgentStateQuerySet(OrgQuerySet):
    """The one way an agent's routing state is marked changed: every write moves
    ``version`` (routing's per-process caches rebuild an agent only when it moved).
    ``save()`` bumps it (below), ``update()`` and ``bulk_update()`` here, queue
    membership through the signal further down, raw SQL by ``version = version + 1``
    (``tests/web/test_routing_agent_version.py`` fails when a writer forgets)."""

    def update(self, **kwargs: Any) -> int:
        kwargs.setdefault("version", models.F("version") + 1)
        return super().update(**kwargs)

    def mark_changed(self) -> int:
        """Move the version of these agents without changing a field (e.g. their open
        offers or queue membership changed, which live in other tables)."""
        return self.update()

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        objs = list(objs)
        for obj in objs:
            obj.version += 1
        return super().bulk_update(objs, {*fields, "version"}, batch_size=batch_size)


class AgentState(OrgOwned):
    """Routing's view of one agent: presence, location, skills, capacity, queues."""

    person = models.OneToOneField(
        "accounts.Person", on_delete=models.CASCADE, related_name="agent_state"
    )
    presence = models.CharField(
        _("presence"), max_length=16, choices=Presence.choices, default=Presence.OFFLINE
    )
    break_reason = models.CharField(_("break reason"), max_length=32, blank=True)
    site = models.ForeignKey(
        "accounts.Site",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("location"),
    )
    presence_changed_at = models.DateTimeField(default=timezone.now)
    last_contact_ended_at = models.DateTimeField(null=True, blank=True)
    wrap_up_until = models.DateTimeField(null=True, blank=True)
    consecutive_timeouts = models.PositiveIntegerField(default=0)
    skills = models.JSONField(_("skills"), default=dict, blank=True)  # {"bygglov": 7}
    languages = models.JSONField(_("languages"), default=list, blank=True)
    capacity = models.JSONField(_("capacity per channel"), default=dict, blank=True)
    endpoint_sip = models.CharField(_("softphone address"), max_length=200, blank=True)
    queues = models.ManyToManyField(Queue, blank=True, related_name="agents")
    # Bumped by every change (AgentStateQuerySet: save, update, bulk_update, queue
    # membership; raw SQL by hand): routing rebuilds its cached view of an agent only
    # when this moved.
    version = models.PositiveBigIntegerField(default=0)

    objects: ClassVar[Any] = AgentStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("agent state")
        verbose_name_plural = _("agent states")

    def __str__(self) -> str:
        return f"{self.person} ({self.presence})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.version += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)

    def capacity_map(self) -> dict[str, int]:
        return {**DEFAULT_CAPACITY, **(self.capacity or {})}

    @property
    def break_reason_label(self) -> str:
        """The break's reason in the reader's language ("möte", not "meeting")."""
        if self.break_reason in BreakReason.values:
            return str(BreakReason(self.break_reason).label).lower()
        return self.break_reason


class Offer(OrgOwned):
    # Led by the index offer_org_status: no index of its own (see contacts.Contact).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name=_("organisation"), db_index=False
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="offers")
    # Led by the index offer_agent_status: no index of its own.
    agent = models.ForeignKey(
        "accounts.Person", on_delete=models.CASCADE, related_name="offers", db_index=False
    )
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    offered_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # The database itself refuses a second open offer for one contact.
            models.UniqueConstraint(
                fields=["contact"],
                condition=models.Q(status="open"),
                name="one_open_offer_per_contact",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="offer_org_status"),
            # An agent's open offers (routing reads them with the agent), without
            # walking every offer the agent ever had.
            models.Index(fields=["agent", "status"], name="offer_agent_status"),
        ]


class RoutingEvent(OrgOwned):
    """The append-only event log (contact and agent events). Reports, the wallboard and
    audits are derived from it. Rows are never updated or deleted."""

    # Led by the index event_org_at: no index of its own (see contacts.Contact).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name=_("organisation"), db_index=False
    )
    name = models.CharField(max_length=40)
    at = models.DateTimeField()  # every query names the organisation: event_org_at
    contact_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    agent_id = models.BigIntegerField(null=True, blank=True)
    queue_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "at"], name="event_org_at"),
            models.Index(fields=["name"], name="event_name"),  # no LIKE index beside it
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("the event log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("the event log is append-only")


class RoutingLock(OrgOwned):
    """One row per organisation; a routing round holds it (SELECT … FOR UPDATE), so
    rounds of one organisation never overlap, whichever process runs them."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_routing_lock_per_org")
        ]


def _bump_on_membership_change(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None = None, **kwargs: Any
) -> None:
    """Queue membership is part of an agent's routing state: their version moves,
    whichever side the change is made from (``agent.queues`` or ``queue.agents``)."""
    if isinstance(instance, AgentState):
        if action in ("post_add", "post_remove", "post_clear"):
            AgentState.objects.filter(pk=instance.pk).mark_changed()
    elif action in ("post_add", "post_remove") and pk_set:
        AgentState.objects.filter(pk__in=pk_set).mark_changed()
    elif action == "pre_clear":  # before the rows go: who the members were
        instance.agents.all().mark_changed()


models.signals.m2m_changed.connect(
    _bump_on_membership_change,
    sender=AgentState.queues.through,
    dispatch_uid="agent_queues_version",
)


def _forget_cached_queues(sender: Any, instance: Queue, **kwargs: Any) -> None:
    from django.db import transaction

    from distans.routing.rounds import announce_queue_change, forget_queues

    forget_queues(instance.organisation_id)
    organisation_id = instance.organisation_id
    # Every other process drops its cached queues too (rounds.queues_of checks).
    transaction.on_commit(lambda: announce_queue_change(organisation_id))


models.signals.post_save.connect(_forget_cached_queues, sender=Queue, dispatch_uid="queue_cache")
models.signals.post_delete.connect(
    _forget_cached_queues, sender=Queue, dispatch_uid="queue_cache_d"
)


class IdempotencyKey(OrgOwned):
    """A client's ``Idempotency-Key`` for ``POST /api/contacts``: the same key again
    (a retry after a lost answer) returns the contact it created instead of a second
    one. Kept a day (``routing.tasks.prune_idempotency_keys``)."""

    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="idempotency_key_once")
        ]

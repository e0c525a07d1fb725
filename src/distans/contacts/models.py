"""A contact: one inquiry from a citizen or customer, on any channel."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import Organisation, OrgOwned
from distans.contacts.choices import Channel, ContactStatus, MessageDirection


class Contact(OrgOwned):
    # Every index is written on each arrival and on each change of status (an offer,
    # an answer): the foreign keys below lead a composite index (Meta), so they get
    # no index of their own.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name=_("organisation"), db_index=False
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    queue = models.ForeignKey(
        "routing.Queue",
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("queue"),
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ContactStatus.choices, default=ContactStatus.WAITING
    )
    priority = models.IntegerField(_("priority"), default=0)
    required_skills = models.JSONField(default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    # Place in line (kept across callback, overflow and transfer) and current queue entry.
    enqueued_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    queue_entered_at = models.DateTimeField(default=timezone.now)
    # Led by the partial index contact_target_agent: no index of its own.
    target_agent = models.ForeignKey(
        "accounts.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    excluded_agent_ids = models.JSONField(default=list, blank=True)
    visited_queue_ids = models.JSONField(default=list, blank=True)
    # Who is asking.
    customer_name = models.CharField(_("name"), max_length=200, blank=True)
    customer_email = models.EmailField(_("e-mail"), blank=True)
    customer_phone = models.CharField(_("phone"), max_length=40, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("message"), blank=True)
    # Handling.
    agent = models.ForeignKey(
        "accounts.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_contacts",
        verbose_name=_("agent"),
        db_index=False,
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    fallback_kind = models.CharField(max_length=32, blank=True)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    external_id = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["organisation", "status"], name="contact_org_status"),
            models.Index(fields=["agent", "status"], name="contact_agent_status"),
            # Per-event routing reads the first K waiting contacts of a queue and channel in
            # service order (and, with priority aging, the longest-waiting).
            models.Index(
                fields=["queue", "status", "channel", "-priority", "enqueued_at", "id"],
                name="contact_queue_line",
            ),
            models.Index(
                fields=["queue", "status", "channel", "enqueued_at", "id"], name="contact_queue_age"
            ),
            # A caller's earlier contacts (the agent desktop's history). Partial, as the
            # next one: most contacts have neither, and every index is written again at
            # each change of status.
            models.Index(
                fields=["organisation", "customer_phone"],
                name="contact_org_phone",
                condition=~models.Q(customer_phone=""),
            ),
            # Contacts transferred to a person (and the foreign key's own lookups).
            models.Index(
                fields=["target_agent"],
                name="contact_target_agent",
                condition=models.Q(target_agent__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()}"

    @property
    def case_number(self) -> str:
        return f"{self.pk}"


class Message(OrgOwned):
    """One message of a contact's conversation, whatever the channel: an e-mail in or
    out, a chat line, the form's text, an internal note. The desktop shows them all
    the same way; channel apps write them."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=10, choices=MessageDirection.choices)
    author = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender = models.CharField(max_length=300, blank=True)  # customer name/address as given
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)  # already sanitised when stored
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Channel-specific identity (e-mail Message-ID, chat client message id …).
    external_id = models.CharField(max_length=998, blank=True, db_index=True)
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["contact", "created_at"], name="message_contact_at")]


class Attachment(OrgOwned):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    file = models.FileField(upload_to="attachments/%Y/%m/")


class ContactRead(OrgOwned):
    """Who read a contact's content, and when (for a data subject's question "who
    has seen my case?"): written when a person opens the conversation, an attachment
    or a chat's lines; at most one row per person, contact and what in ten minutes
    (the desk re-fetches a conversation on every live event)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    person = models.ForeignKey(
        "accounts.Person",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person"),
    )
    person_name = models.CharField(_("name"), max_length=200, blank=True)
    what = models.CharField(_("what was read"), max_length=32)
    at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact read")
        verbose_name_plural = _("contact reads")
        indexes = [
            models.Index(fields=["organisation", "contact", "at"], name="contact_read_contact_at"),
            models.Index(fields=["organisation", "person", "at"], name="contact_read_person_at"),
        ]


def _days(label: str) -> models.PositiveIntegerField:  # type: ignore[type-arg]
    return models.PositiveIntegerField(
        label, null=True, blank=True, help_text=_("Empty: kept until erased by hand.")
    )


class RetentionPolicy(OrgOwned):
    """How many days each kind of personal data is kept (an organisation's records
    management decision); ``contacts.tasks.apply_retention`` anonymises or deletes what
    is older, so at most an hour after its day."""

    contact_content_days = _days(_("contact content (customer details, subject, notes, form texts)"))
    chat_transcript_days = _days(_("chat transcripts"))
    email_body_days = _days(_("e-mail bodies and stored raw mails"))
    attachment_days = _days(_("attachments"))
    visitor_log_days = _days(_("chat visitor sessions"))
    audit_days = _days(_("audit log and read log"))

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="retention_policy_once")
        ]

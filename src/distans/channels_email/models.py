"""Per-queue mailboxes and the record of every inbound mail taken from them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from distans.accounts.fields import EncryptedCharField
from distans.accounts.models import OrgOwned
from distans.core.mail.case_match import DEFAULT_CASE_TAG_TEMPLATE


class Mailbox(OrgOwned):
    """An IMAP mailbox whose mail becomes contacts in one queue, and the SMTP account
    replies go out through. Passwords are stored as given (a known gap: secrets at
    rest are not encrypted, see docs/dev/email-channel.md)."""

    queue = models.ForeignKey(
        "routing.Queue", on_delete=models.PROTECT, related_name="mailboxes", verbose_name=_("queue")
    )
    address = models.EmailField(_("address"))
    active = models.BooleanField(_("active"), default=True)
    # IMAP (incoming).
    imap_host = models.CharField(_("IMAP server"), max_length=200)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_username = models.CharField(_("IMAP user name"), max_length=200)
    # Encrypted at rest; never shown back (settings pages keep it when left empty).
    imap_password = EncryptedCharField(_("IMAP password"), max_length=1000)
    use_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    # SMTP (outgoing).
    smtp_host = models.CharField(_("SMTP server"), max_length=200, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_username = models.CharField(_("SMTP user name"), max_length=200, blank=True)
    smtp_password = EncryptedCharField(_("SMTP password"), max_length=1000, blank=True)
    smtp_use_tls = models.BooleanField(_("SMTP with STARTTLS"), default=True)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    # Behaviour.
    case_tag_template = models.CharField(
        _("case tag in subjects"),
        max_length=50,
        default=DEFAULT_CASE_TAG_TEMPLATE,
        help_text=_("Must contain <digits> once, e.g. [#<digits>] or Ärende <digits>."),
    )
    auto_acknowledge = models.BooleanField(_("send an automatic acknowledgement"), default=True)
    max_message_bytes = models.PositiveIntegerField(
        _("largest message fetched (bytes)"), default=40 * 1024 * 1024
    )
    # Bookkeeping (written by the fetcher).
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "address"], name="email_mailbox_unique_address"
            )
        ]

    def __str__(self) -> str:
        return self.address


class InboundOutcome(models.TextChoices):
    CONTACT = "contact", _("New contact")
    THREADED = "threaded", _("Added to a contact")
    IGNORED = "ignored", _("Kept, no contact (automatic mail)")


class InboundMail(OrgOwned):
    """One mail taken from a mailbox. The unique (mailbox, Message-ID) pair is the
    deduplication key: it is written in the same transaction as the contact, so a
    fetcher killed between the commit and the \\Seen flag never stores it twice."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="inbound")
    rfc_message_id = models.CharField(max_length=998)  # the Message-ID header
    uid = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField()
    sender = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=16)  # distans.core.mail.loop_protection.MailKind
    outcome = models.CharField(max_length=16, choices=InboundOutcome.choices)
    message = models.ForeignKey(
        "contacts.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raw = models.FileField(upload_to="mail/%Y/%m/", blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    truncated = models.BooleanField(default=False)  # too large: only the header was fetched
    acknowledged = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "rfc_message_id"], name="email_inbound_unique"
            )
        ]
        indexes = [models.Index(fields=["organisation", "received_at"], name="email_inbound_at")]


class OutgoingStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingPurpose(models.TextChoices):
    REPLY = "reply", _("Reply")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    ACCOUNT = "account", _("Account e-mail")
    ANNOUNCEMENT = "announcement", _("Announcement to staff")
    VISIT = "visit", _("Visit booking")
    PHONE_MESSAGE = "phone_message", _("Phone message")


class OutgoingMail(OrgOwned):
    """One mail Distans sends (the outbox): queued in the transaction that stores what
    it belongs to, then delivered by the request after the commit or by the background
    job (``outbox.send_due_mail``), retried with back-off. ``status`` is the truth
    shown to people: queued (not tried yet), sent, failed (the last attempt failed;
    ``next_attempt_at`` says when the next one is, none when Distans gave up).

    ``mailbox`` is the SMTP account for contact mail; system mail (password reset) has
    none and goes through Django's e-mail settings."""

    mailbox = models.ForeignKey(
        Mailbox,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outgoing",
        verbose_name=_("mailbox"),
    )
    message = models.OneToOneField(
        "contacts.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outgoing",
        verbose_name=_("message"),
    )
    purpose = models.CharField(_("kind"), max_length=20, choices=OutgoingPurpose.choices)
    recipients = models.CharField(_("to"), max_length=1000)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    raw = models.BinaryField()
    status = models.CharField(
        _("status"), max_length=10, choices=OutgoingStatus.choices, default=OutgoingStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"))
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        indexes = [models.Index(fields=["next_attempt_at"], name="email_outgoing_due")]

    @property
    def gave_up(self) -> bool:
        return self.status == OutgoingStatus.FAILED and self.next_attempt_at is None

"""The switchboard's directory of the whole organisation, away statuses
("hänvisning"), messages taken for people, and where the directory is imported from."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.fields import EncryptedCharField
from distans.accounts.models import OrgOwned
from distans.switchboard.choices import AwayKind, AwaySource, EntrySource, MessageVia


class DirectoryEntry(OrgOwned):
    """One person (or function, e.g. "Reception") anyone can be put through to.

    ``search_text`` is the precomputed, normalised text the search matches (see
    ``search.normalise``); its words are also rows of :class:`SearchTerm` so a
    prefix of any word is an index range scan, not a table scan."""

    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=EntrySource.choices, default=EntrySource.MANUAL
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("role"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True)
    keywords = models.TextField(_("keywords"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    person = models.ForeignKey(
        "accounts.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directory_entries",
        verbose_name=_("login"),
    )
    calendar_url = models.URLField(_("calendar feed (ICS)"), max_length=500, blank=True)
    calendar_checked_at = models.DateTimeField(null=True, blank=True)
    calendar_error = models.CharField(max_length=300, blank=True)
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")
        indexes = [
            # name order with ties by id: the search's "common words" path reads it in order
            models.Index(fields=["organisation", "name", "id"], name="directory_org_name_id"),
            models.Index(fields=["organisation", "external_id"], name="directory_org_external"),
            models.Index(fields=["organisation", "email"], name="directory_org_email"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchTerm(models.Model):
    """One normalised word of an entry's search text. The (organisation, term, entry)
    index answers "the entries with a word starting with x" from the index alone (a
    range on SQLite, ``LIKE 'x%'`` on PostgreSQL, where the ``varchar_pattern_ops``
    operator class makes that a range too); the (entry, term) one whether one entry
    has such a word (one seek)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    entry = models.ForeignKey(
        DirectoryEntry, on_delete=models.CASCADE, related_name="terms", db_index=False
    )
    term = models.CharField(max_length=100)

    class Meta:
        # operator classes apply on PostgreSQL only (SQLite compares bytes anyway)
        indexes = [
            models.Index(
                fields=["entry", "term"],
                name="searchterm_entry_term",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["organisation", "term", "entry"],
                name="searchterm_org_term_entry",
                opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"],
            ),
        ]


class AwayStatus(OrgOwned):
    """ "Hänvisning": where someone is and when they are back. Set by the person or
    taken from their calendar feed (those rows are replaced on every fetch)."""

    entry = models.ForeignKey(DirectoryEntry, on_delete=models.CASCADE, related_name="away")
    kind = models.CharField(_("kind"), max_length=10, choices=AwayKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("from"))
    until = models.DateTimeField(_("until"), null=True, blank=True)
    source = models.CharField(max_length=8, choices=AwaySource.choices, default=AwaySource.SELF)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["entry", "starts_at"], name="away_entry_starts")]


class PhoneMessage(OrgOwned):
    """A message the operator took for someone, forwarded by e-mail or SMS; it is also
    the call-back task the person marks done."""

    entry = models.ForeignKey(DirectoryEntry, on_delete=models.CASCADE, related_name="messages")
    taken_by = models.ForeignKey(
        "accounts.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    caller_name = models.CharField(_("caller's name"), max_length=200, blank=True)
    caller_number = models.CharField(_("number to call back"), max_length=40, blank=True)
    text = models.TextField(_("message"), max_length=2000)
    via = models.CharField(_("forward by"), max_length=8, choices=MessageVia.choices)
    call_back = models.BooleanField(_("wants to be called back"), default=True)
    outgoing_mail = models.ForeignKey(
        "channels_email.OutgoingMail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sms_status = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)


class DirectorySource(OrgOwned):
    """Where this organisation's directory is read from over LDAP / Active Directory."""

    ldap_url = models.CharField(
        _("server address"),
        max_length=300,
        blank=True,
        help_text=_("For example ldaps://ad.kommun.se:636"),
    )
    bind_dn = models.CharField(_("bind DN"), max_length=300, blank=True)
    bind_password = EncryptedCharField(_("bind password"), max_length=600, blank=True)
    base_dn = models.CharField(_("search base"), max_length=300, blank=True)
    user_filter = models.CharField(
        _("filter"),
        max_length=300,
        blank=True,
        default="(objectClass=person)",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_directory_source_per_org")
        ]

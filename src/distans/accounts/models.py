"""Organisations (tenants), their sites, teams and people, and the audit log.

Every row that belongs to an organisation derives from :class:`OrgOwned`; code reads
such rows through ``Model.objects.for_org(org)`` so that nothing crosses tenants.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.choices import Language, Role, SiteKind


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Stockholm")
    country = models.CharField(_("country"), max_length=2, default="SE")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class OrgQuerySet(models.QuerySet[Any]):
    def for_org(self, organisation: Organisation | int) -> OrgQuerySet:
        org_id = organisation if isinstance(organisation, int) else organisation.pk
        return self.filter(organisation_id=org_id)


class LiveManager(models.Manager[Any]):
    """The default manager of a model whose rows can be archived (``archived_at``):
    only the live rows. Archived rows keep their history (contacts, calls, chats point
    to them, and reports name them) but are no longer part of the setup: settings
    pages, routing's entry points, the public lookups and ``config export`` do not see
    them. Use the model's ``all_objects`` where history matters (reports) or to
    un-archive."""

    def get_queryset(self) -> OrgQuerySet:
        return OrgQuerySet(self.model, using=self._db).filter(archived_at__isnull=True)

    def for_org(self, organisation: Organisation | int) -> OrgQuerySet:
        return self.get_queryset().for_org(organisation)


class OrgOwned(models.Model):
    """Abstract base of every row that belongs to one organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name=_("organisation")
    )

    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True


class Site(OrgOwned):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=SiteKind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    seat_capacity = models.PositiveIntegerField(_("seats"), null=True, blank=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="site_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Team(OrgOwned):
    """A small work team (the seeds' "arbetslag"); a person belongs to one."""

    name = models.CharField(_("name"), max_length=200)
    leader = models.ForeignKey(
        "accounts.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
        verbose_name=_("team leader"),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PersonManager(BaseUserManager["Person"]):
    use_in_migrations = True

    def for_org(self, organisation: Organisation | int) -> models.QuerySet[Person]:
        org_id = organisation if isinstance(organisation, int) else organisation.pk
        return self.filter(organisation_id=org_id)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> Person:
        person = self.model(email=self.normalize_email(email).lower(), **extra)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> Person:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    """A user. Belongs to one organisation (installation admins have none)."""

    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="people",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.SWEDISH
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("team"),
    )
    default_site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default location"),
    )
    is_agent = models.BooleanField(_("agent"), default=True)
    is_team_leader = models.BooleanField(_("team leader"), default=False)
    is_supervisor = models.BooleanField(_("supervisor"), default=False)
    is_planner = models.BooleanField(_("planner"), default=False)
    is_org_admin = models.BooleanField(_("organisation admin"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the admin"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def roles(self) -> list[str]:
        flags = [
            (self.is_agent, Role.AGENT),
            (self.is_team_leader, Role.TEAM_LEADER),
            (self.is_supervisor, Role.SUPERVISOR),
            (self.is_planner, Role.PLANNER),
            (self.is_org_admin, Role.ORG_ADMIN),
        ]
        return [str(role) for on, role in flags if on]

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]

    def has_role(self, role: str) -> bool:
        return role in self.roles


class AuditEntry(OrgOwned):
    """Who changed what, when. Append-only."""

    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)  # the object as it was named
    changes = models.JSONField(default=dict)  # {"before": {...}, "after": {...}}
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "at"], name="audit_org_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class LoginFailure(models.Model):
    """Failed logins per e-mail, for lockout (kept in the database so that every
    process sees the same count)."""

    email = models.CharField(max_length=254, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    remote_addr = models.CharField(max_length=64, blank=True)


class ApiToken(OrgOwned):
    """A key for integrations (telephony adapter, website forms, scripts). Only its
    SHA-256 is stored; the key is shown once when created."""

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Permission names from accounts/permissions.py marked scope=True; nothing else.
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_by = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

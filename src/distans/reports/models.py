"""The interval aggregate (reports' fast table), its cursor, settings and imported history."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import OrgOwned
from distans.core.reports.aggregate import COLUMN_NAMES
from distans.core.reports.records import DIMENSIONS

DAILY_DIMENSIONS = tuple(d for d in DIMENSIONS if d != "agent")
AGENT_DAILY_DIMENSIONS = ("team", "agent", "location")


class IntervalAggregate(OrgOwned):
    """One 15-minute interval × queue × channel × topic × team × agent × location.

    Dimension values: queue = the queue's code (or the imported text), agent/team/
    location = the person's, team's and site's id as text (imported text otherwise),
    "" when unknown. Columns: ``distans.core.reports.aggregate.COLUMN_NAMES``.
    """

    interval_start = models.DateTimeField()
    queue = models.CharField(max_length=100, default="", blank=True)
    channel = models.CharField(max_length=16, default="", blank=True)
    topic = models.CharField(max_length=200, default="", blank=True)
    team = models.CharField(max_length=100, default="", blank=True)
    agent = models.CharField(max_length=200, default="", blank=True)
    location = models.CharField(max_length=100, default="", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "interval_start", *DIMENSIONS], name="aggregate_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "interval_start"], name="aggregate_org_at"),
            # Reports filtered by agent that also group by queue/channel/topic read here.
            models.Index(
                fields=["organisation", "agent", "interval_start"], name="aggregate_org_agent_at"
            ),
        ]


for _column in COLUMN_NAMES:
    IntervalAggregate.add_to_class(_column, models.BigIntegerField(default=0))


class DailyAggregate(OrgOwned):
    """The same counts per local day without the agent dimension (long-range reports).

    Kept with the interval table by the same upserts; ``day_start`` is the local
    midnight (an aware instant) in the organisation's zone.
    """

    day_start = models.DateTimeField()
    queue = models.CharField(max_length=100, default="", blank=True)
    channel = models.CharField(max_length=16, default="", blank=True)
    topic = models.CharField(max_length=200, default="", blank=True)
    team = models.CharField(max_length=100, default="", blank=True)
    location = models.CharField(max_length=100, default="", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "day_start", *DAILY_DIMENSIONS], name="daily_unique_key"
            )
        ]


for _column in COLUMN_NAMES:
    DailyAggregate.add_to_class(_column, models.BigIntegerField(default=0))


class AgentDailyAggregate(OrgOwned):
    """The same counts per local day by team, agent and location only (reports by agent).

    About one row per agent and day (plus one for contacts nobody answered), whatever
    the number of queues, channels and topics. Kept with the interval table by the same
    upserts; ``day_start`` is the local midnight (an aware instant).
    """

    day_start = models.DateTimeField()
    team = models.CharField(max_length=100, default="", blank=True)
    agent = models.CharField(max_length=200, default="", blank=True)
    location = models.CharField(max_length=100, default="", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "day_start", *AGENT_DAILY_DIMENSIONS],
                name="agent_daily_unique_key",
            )
        ]


for _column in COLUMN_NAMES:
    AgentDailyAggregate.add_to_class(_column, models.BigIntegerField(default=0))


class ReportDimensionValue(OrgOwned):
    """Every value a dimension has taken in the aggregate (the reports page's filter choices)."""

    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "dimension", "value"], name="dimension_value_unique"
            )
        ]


class LoggedInAggregate(OrgOwned):
    """Agents' logged-in milliseconds per 15-minute interval, team, agent and location."""

    interval_start = models.DateTimeField()
    team = models.CharField(max_length=100, default="", blank=True)
    agent = models.CharField(max_length=200, default="", blank=True)
    location = models.CharField(max_length=100, default="", blank=True)
    logged_in_ms = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "interval_start", "team", "agent", "location"],
                name="logged_in_unique_key",
            )
        ]


class LoggedInDailyAggregate(OrgOwned):
    """Logged-in milliseconds per local day, team, agent and location (kept with the above)."""

    day_start = models.DateTimeField()
    team = models.CharField(max_length=100, default="", blank=True)
    agent = models.CharField(max_length=200, default="", blank=True)
    location = models.CharField(max_length=100, default="", blank=True)
    logged_in_ms = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "day_start", *AGENT_DAILY_DIMENSIONS],
                name="logged_in_daily_unique_key",
            )
        ]


class ReportCursor(OrgOwned):
    """Per organisation: the lock row (SELECT … FOR UPDATE) and the event log's high-water mark."""

    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_report_cursor_per_org")
        ]


class HeadlineConvention(models.TextChoices):
    ANSWERED = "answered", _("Answered within T / answered")
    OFFERED = "offered", _("(Answered + abandoned within T) / (answered + abandoned)")


class OrganisationReportSettings(OrgOwned):
    """The organisation's report definitions (thresholds from THRESHOLDS_SECONDS)."""

    service_level_seconds = models.PositiveIntegerField(
        _("service level threshold (s)"), default=20
    )
    short_abandon_seconds = models.PositiveIntegerField(_("short abandon (s)"), default=5)
    exclude_short_abandons = models.BooleanField(_("leave out short abandons"), default=True)
    headline = models.CharField(
        _("headline service level"), max_length=16, choices=HeadlineConvention.choices,
        default=HeadlineConvention.ANSWERED,
    )  # fmt: skip

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_report_settings_per_org")
        ]


class ImportedContact(OrgOwned):
    """A contact from an imported history file (no text; counted in reports and forecasts)."""

    arrived_at = models.DateTimeField()
    queue = models.CharField(max_length=100)
    channel = models.CharField(max_length=16)
    topic = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=16)
    waited_ms = models.BigIntegerField(default=0)
    handled_ms = models.BigIntegerField(default=0)
    wrap_up_ms = models.BigIntegerField(default=0)
    agent = models.CharField(max_length=200, blank=True)
    team = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=100, blank=True)
    batch = models.CharField(max_length=40, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "arrived_at"], name="imported_org_at")]

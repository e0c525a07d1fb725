from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    TEAM_LEADER = "team_leader", _("Team leader")
    SUPERVISOR = "supervisor", _("Supervisor")
    PLANNER = "planner", _("Planner")
    ORG_ADMIN = "org_admin", _("Organisation admin")


class SiteKind(models.TextChoices):
    OFFICE = "office", _("Office")
    HOME = "home", _("Home")
    OTHER = "other", _("Other site")


class Language(models.TextChoices):
    SWEDISH = "sv", _("Swedish")
    NORWEGIAN = "nb", _("Norwegian Bokmål")
    ENGLISH = "en", _("English")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SwitchboardConfig(AppConfig):
    name = "distans.switchboard"
    label = "switchboard"
    verbose_name = _("Switchboard")

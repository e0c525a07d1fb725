from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    name = "distans.administration"
    label = "administration"
    verbose_name = _("Settings")
    default_auto_field = "django.db.models.BigAutoField"

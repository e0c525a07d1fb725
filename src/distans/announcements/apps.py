from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    name = "distans.announcements"
    label = "announcements"
    verbose_name = _("Announcements")

    def ready(self) -> None:
        # A must-acknowledge announcement can hold an agent back from going available.
        from distans.announcements.gate import acknowledge_first
        from distans.routing.gates import register_presence_gate

        register_presence_gate(acknowledge_first)

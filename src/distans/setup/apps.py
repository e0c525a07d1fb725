from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SetupConfig(AppConfig):
    name = "distans.setup"
    label = "setup"
    verbose_name = _("Setup")

    def ready(self) -> None:
        from distans.administration.views import register_section

        register_section("setup:queues", _("Queues"), _("Opening hours, holidays, routing, waiting texts."), "queues.manage")
        register_section("setup:channels", _("Channels"), _("Chat widgets, mailboxes, web forms and phone lines."), "channels.manage")

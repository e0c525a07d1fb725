from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "distans.telephony"
    label = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        from distans.routing.signals import contact_accepted
        from distans.telephony.actions import on_contact_accepted

        contact_accepted.connect(on_contact_accepted, dispatch_uid="telephony_connect")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsEmailConfig(AppConfig):
    name = "distans.channels_email"
    label = "channels_email"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from distans.channels_email.outbound import close_warnings, send_email_reply
        from distans.contacts.replies import register_close_check, register_reply_sender

        # A web-form contact is answered by e-mail too (to the address it gave).
        for channel in ("email", "form"):
            register_reply_sender(channel, send_email_reply)
            register_close_check(channel, close_warnings)

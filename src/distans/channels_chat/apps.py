from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsChatConfig(AppConfig):
    name = "distans.channels_chat"
    label = "channels_chat"
    verbose_name = _("Chat and web forms")

    def ready(self) -> None:
        from distans.channels_chat.actions import do_send_chat_message
        from distans.contacts.replies import register_reply_sender

        register_reply_sender("chat", do_send_chat_message)

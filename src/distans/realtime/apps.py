from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "distans.realtime"
    label = "realtime"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from distans.realtime.actions import close_session_sockets

        user_logged_out.connect(close_session_sockets, dispatch_uid="distans-close-session-sockets")

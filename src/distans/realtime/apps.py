from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "distans.realtime"
    label = "realtime"

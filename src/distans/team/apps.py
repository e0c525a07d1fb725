from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "distans.team"
    label = "team"

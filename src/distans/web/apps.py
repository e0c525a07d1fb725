from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "distans.web"
    label = "web"

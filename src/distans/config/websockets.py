"""Every websocket route of the product: each app's ``routing.websocket_urlpatterns``
(``distans.<app>.ws``) is collected here."""

from importlib import import_module

from django.apps import apps

websocket_urlpatterns: list = []
for _config in apps.get_app_configs():
    if not _config.name.startswith("distans."):
        continue
    try:
        _module = import_module(f"{_config.name}.ws")
    except ModuleNotFoundError as exc:
        if exc.name != f"{_config.name}.ws":
            raise
        continue
    websocket_urlpatterns += _module.websocket_urlpatterns

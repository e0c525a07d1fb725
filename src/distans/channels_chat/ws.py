"""The widget's public websocket. The consumer checks the Origin against the widget's
allowed origins itself (see docs/dev/chat.md for the asgi.py routing it needs)."""

from django.urls import path

from distans.channels_chat.consumers import ChatConsumer

websocket_urlpatterns = [path("ws/chat/<str:key>/", ChatConsumer.as_asgi())]

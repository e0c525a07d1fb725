"""The ASGI application: HTTP through Django, websockets through Channels.

In embedded mode (``DISTANS_EMBEDDED_BACKGROUND=1``, set by ``distans serve`` when it
runs one process) the lifespan start-up also starts the task worker and the periodic
jobs inside this process.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")

from django.core.asgi import get_asgi_application

django_asgi = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from distans.channels_chat.ws import (  # noqa: E402
    websocket_urlpatterns as chat_websocket_urlpatterns,
)
from distans.config.websockets import websocket_urlpatterns  # noqa: E402

# Logged-in pages: same-origin only, with the session.
_checked = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
# The chat widget lives on the organisation's own website (another origin): its
# consumer checks the Origin against that widget's allowed origins itself.
_widget_sockets = URLRouter(chat_websocket_urlpatterns)


async def _websockets(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"].startswith("/ws/chat/"):
        await _widget_sockets(scope, receive, send)
        return
    # The live socket writes its events with the server's own send, past the session
    # middleware's wrapper (which acts only on HTTP responses): with 1,000 agents online
    # that is 1,000 calls per event (distans.realtime.fanout, bench/fanout.py).
    await _checked({**scope, "distans.send": send}, receive, send)


router = ProtocolTypeRouter({"http": django_asgi, "websocket": _websockets})


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    await router(scope, receive, send)


async def _lifespan(receive: Any, send: Any) -> None:
    stop = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            import asyncio

            from distans.realtime.publish import set_server_loop

            set_server_loop(asyncio.get_running_loop())
            if os.environ.get("DISTANS_EMBEDDED_BACKGROUND") == "1":
                from asgiref.sync import sync_to_async

                from distans.background import start_background_threads

                stop = await sync_to_async(start_background_threads)(f"embedded-{os.getpid()}")
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            from distans.realtime.publish import set_server_loop

            set_server_loop(None)
            if stop is not None:
                stop.set()
            await send({"type": "lifespan.shutdown.complete"})
            return

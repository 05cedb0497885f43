"""ASGI entry point: HTTP through Django, WebSockets through Channels, one process serves both."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crowd.settings")
# Django must be set up before the routing imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from crowd.static import StaticFilesApp  # noqa: E402
from crowd.token_api import TokenApiApp  # noqa: E402
from tasks.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Static files answered before Django, so its middleware chain stays asynchronous.
        # Token requests to next-task and submit in one thread hop (crowd.token_api).
        "http": StaticFilesApp(TokenApiApp(django_asgi_app)),
        # Origin must be one of ALLOWED_HOSTS: another site cannot open a socket with our cookies.
        # No session or authentication middleware: the consumer reads the session cookie at each
        # access check (crowd.sockets.socket_user), so no socket keeps a session and a user
        # in memory for its whole life, nor wraps every message it sends.
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)

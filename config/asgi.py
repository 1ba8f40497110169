"""ASGI entry point: HTTP through Django, websockets through Channels (``/ws/…``).

Websockets: a request id for the connection's log lines and a count of open sockets, then the
origin checked against ALLOWED_HOSTS, then the session cookie, then an optional
single-use ``?ticket=`` from ``POST /api/v1/live/ticket/`` for API clients.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

if settings.DEBUG:
    # `make run` serves everything from one daphne process; production puts /static/ behind nginx.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    django_asgi_app = ASGIStaticFilesHandler(django_asgi_app)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.metrics import WebsocketMetricsMiddleware  # noqa: E402
from config.request_id import WebsocketRequestIdMiddleware  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from notifications.auth import TicketAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebsocketRequestIdMiddleware(
            WebsocketMetricsMiddleware(
                AllowedHostsOriginValidator(AuthMiddlewareStack(TicketAuthMiddleware(URLRouter(websocket_urlpatterns))))
            )
        ),
    }
)

# What is loaded by now lives as long as the process: keep it out of the collector's full passes.
# Each pass walked Django's whole import-time heap, ~60-120 ms with 500 sockets in the process,
# and every socket's event waited that long (bench/README.md, "Live").
gc.freeze()

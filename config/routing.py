"""Websocket routes: the live stream of case events (``notifications``)."""

from django.urls import URLPattern, path

from notifications.consumers import LiveConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/live/", LiveConsumer.as_asgi(), name="ws-live"),
]

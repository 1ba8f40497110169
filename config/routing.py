"""Websocket routes; the live stream of case events is added by ``notifications``."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []

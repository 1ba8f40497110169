from django.urls import URLPattern, URLResolver, path

from notifications import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("ticket/", api.TicketApi.as_view(), name="live-ticket"),
    path("escalations/", api.EscalationListApi.as_view(), name="live-escalations"),
]

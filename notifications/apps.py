from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from cases import events
        from notifications.handlers import HANDLERS, publish_to_live_streams

        for handler in HANDLERS:
            events.subscribe(handler, first=handler is publish_to_live_streams)

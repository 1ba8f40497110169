from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from cases import events, retention
        from notifications.handlers import DURABLE, publish_to_live_streams
        from notifications.retention import erase_recipients

        events.subscribe_on_commit(publish_to_live_streams)
        for handler in DURABLE:
            events.subscribe(handler)
        retention.subscribe(erase_recipients)

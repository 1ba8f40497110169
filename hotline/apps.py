from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = _("Hotline")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from cases import retention
        from directory.models import Town
        from hotline.retention import erase_senders
        from hotline.services.common import towns_forget

        post_save.connect(towns_forget, sender=Town, dispatch_uid="hotline_towns_saved")
        post_delete.connect(towns_forget, sender=Town, dispatch_uid="hotline_towns_deleted")
        retention.subscribe(erase_senders)

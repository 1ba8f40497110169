from django.db import models
from django.utils.translation import gettext_lazy as _

from config.crypto import EncryptedTextField, blind_index


class Reporter(models.Model):
    """Whoever reported: contact details are encrypted; ``phone_index`` finds them without decrypting."""

    name = EncryptedTextField(_("name"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email = EncryptedTextField(_("e-mail"), blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    sms_opt_out = models.BooleanField(_("SMS stopped"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")

    def __str__(self) -> str:
        return f"{_('Reporter')} #{self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.phone_index = phone_index(self.phone) if self.phone else ""
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def phone_index(phone: str) -> str:
    return blind_index("phone:" + phone)

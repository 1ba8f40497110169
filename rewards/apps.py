from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("Rewards")

    def ready(self) -> None:
        from cases import events
        from rewards import dashboard_panel, report_section
        from rewards.handlers import on_case_event

        events.subscribe(on_case_event)
        report_section.install()
        dashboard_panel.install()

from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = "积分制管理"

    def ready(self):
        from patrol.signals import issue_page_panels, issue_transitioned

        from . import receivers

        issue_transitioned.connect(receivers.on_issue_transitioned, dispatch_uid="households.issue_points")
        issue_page_panels.connect(receivers.issue_panel, dispatch_uid="households.issue_panel")

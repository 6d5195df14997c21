from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = "积分制管理"

    def ready(self):
        from patrol.signals import issue_transitioned

        from . import receivers

        issue_transitioned.connect(receivers.on_issue_transitioned, dispatch_uid="households.issue_points")

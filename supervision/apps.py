from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "红色督办单"

    def ready(self):
        from patrol import signals as patrol_signals

        from . import services

        patrol_signals.issue_escalated.connect(services.draft_for_escalated, dispatch_uid="supervision-draft")
        patrol_signals.supervision_releasing.connect(services.release_guard, dispatch_uid="supervision-release")

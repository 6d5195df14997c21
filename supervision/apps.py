from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "红色督办单"

    def ready(self):
        from patrol import signals as patrol_signals

        from . import services

        patrol_signals.issue_escalated.connect(services.draft_for_escalated, dispatch_uid="supervision-draft")
        if services.release_guard not in patrol_signals.release_guards:
            patrol_signals.release_guards.append(services.release_guard)

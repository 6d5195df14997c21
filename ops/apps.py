from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running it for real: database roles, backups and restores, deployment checks. Imports no domain app."""

    name = "ops"
    verbose_name = "运维"

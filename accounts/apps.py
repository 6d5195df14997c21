from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号"

    def ready(self):
        from . import tokens
        from .models import User

        tokens.connect(User)

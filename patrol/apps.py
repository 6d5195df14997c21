from django.apps import AppConfig


class PatrolConfig(AppConfig):
    name = "patrol"
    verbose_name = "问题与巡查"

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "示例数据"

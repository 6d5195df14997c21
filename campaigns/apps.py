from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "专项行动与任务亮灯"

    def ready(self):
        # patrol and layers sit below this app and never import it: they ask through their registries.
        from layers import registry as layer_registry
        from patrol import hooks

        from . import services

        hooks.register("check_campaign", services.check_campaign_tag)
        hooks.register("campaign_closed_issues", services.campaign_closed_issues)
        layer_registry.register_layer("task_lights", "任务亮灯", "campaigns:task-map")

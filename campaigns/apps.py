from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "专项行动与任务亮灯"

    def ready(self):
        # patrol and layers sit below this app and never import it: it answers their signals.
        from layers import signals as layer_signals
        from patrol import signals as patrol_signals

        from . import services

        patrol_signals.campaign_tagging.connect(services.check_campaign_tag, dispatch_uid="campaigns-tagging")
        patrol_signals.campaign_sampling.connect(services.campaign_closed_issues, dispatch_uid="campaigns-sampling")
        layer_signals.battle_map_switch.connect(task_lights_switch, dispatch_uid="campaigns-task-lights")


def task_lights_switch(sender, request, **kwargs):
    """Receiver of layers.signals.battle_map_switch: the task lights (任务亮灯) page in the battle map's switch."""
    return "任务亮灯", "campaigns:task-map"

from django.apps import AppConfig


class WaterbodiesConfig(AppConfig):
    name = "waterbodies"
    verbose_name = "黑臭水体动态清单"

    def ready(self):
        # patrol and layers sit below this app and never import it: it answers their signals.
        from layers import signals as layer_signals
        from patrol import signals as patrol_signals

        from . import services

        patrol_signals.issue_reported.connect(services.link_report, dispatch_uid="waterbodies-rebound")
        layer_signals.battle_map_drawn.connect(add_water_layer, dispatch_uid="waterbodies-map-layer")


def add_water_layer(sender, m, request, **kwargs):
    """Receiver of layers.signals.battle_map_drawn: the water bodies of the dynamic list on the battle map.
    Imported when a map is drawn (folium is heavy)."""
    from .maplayer import add_water_layer as add

    return add(m, request)

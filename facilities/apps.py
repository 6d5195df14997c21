from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = "设施一码（一厕一码）"

    def ready(self):
        # layers sits below this app and never imports it: it answers its signals.
        from layers import signals as layer_signals

        layer_signals.battle_map_drawn.connect(add_facility_layer, dispatch_uid="facilities-map-layer")


def add_facility_layer(sender, m, request, **kwargs):
    """Receiver of layers.signals.battle_map_drawn: the facilities layer of the battle map. Imported when a map is
    drawn, not at start: maplayer pulls in folium and pandas (3 s), which every manage.py command (migrate,
    demo_setup …) would otherwise load for nothing."""
    from .maplayer import add_facility_layer as add

    return add(m, request)


from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = "设施一码（一厕一码）"

    def ready(self):
        # The battle map (layers) draws the facilities layer through its registry: layers cannot import us.
        from layers import registry

        registry.register_map_layer(add_facility_layer)


def add_facility_layer(m, request):
    """The facilities layer of the battle map. Imported when a map is drawn, not at start: maplayer pulls in folium
    and pandas (3 s), which every manage.py command (migrate, demo_setup …) would otherwise load for nothing."""
    from .maplayer import add_facility_layer as add

    return add(m, request)

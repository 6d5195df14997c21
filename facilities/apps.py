from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = "设施一码（一厕一码）"

    def ready(self):
        # The battle map (layers) draws the facilities layer through its registry: layers cannot import us.
        from layers import registry

        from .maplayer import add_facility_layer

        registry.register_map_layer(add_facility_layer)

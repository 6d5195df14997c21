from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from .lookup import rebuild_pieces
from .models import Community, District, Grid, RoadEdge, Town, Village
from .widgets import OfflineMapWidget


class AreaAdmin(GISModelAdmin):
    gis_widget = OfflineMapWidget
    search_fields = ("code", "name")
    level = None

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rebuild_pieces(self.level, [obj.code])


@admin.register(District)
class DistrictAdmin(AreaAdmin):
    list_display = ("code", "name")
    level = "district"


@admin.register(Town)
class TownAdmin(AreaAdmin):
    list_display = ("code", "name", "district")
    level = "town"


@admin.register(Village)
class VillageAdmin(AreaAdmin):
    list_display = ("code", "name", "town", "community")
    list_filter = ("town",)
    level = "village"


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "town", "secretary")
    list_filter = ("town",)
    search_fields = ("name", "secretary")


@admin.register(Grid)
class GridAdmin(AreaAdmin):
    list_display = ("code", "name", "village", "leader")
    list_select_related = ("village",)
    level = "grid"


@admin.register(RoadEdge)
class RoadEdgeAdmin(GISModelAdmin):
    gis_widget = OfflineMapWidget
    list_display = ("id", "name", "kind", "length_m", "source", "target")

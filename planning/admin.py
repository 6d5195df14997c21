from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from geo.widgets import OfflineMapWidget

from .models import PatrolPlan, PatrolStop, Track


class PatrolStopInline(admin.TabularInline):
    model = PatrolStop
    fields = ("team", "seq", "key", "label", "priority", "must", "arrival", "visited_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PatrolPlan)
class PatrolPlanAdmin(GISModelAdmin):
    """Plans are made through the API and the /patrols/ page; here they are only looked at."""

    gis_widget = OfflineMapWidget
    list_display = ("id", "date", "area_code", "teams", "matrix", "priority_collected", "priority_total")
    list_filter = ("date", "matrix")
    inlines = [PatrolStopInline]

    def has_add_permission(self, request):
        return False


@admin.register(Track)
class TrackAdmin(GISModelAdmin):
    gis_widget = OfflineMapWidget
    list_display = ("id", "day", "name", "uploaded_by", "distance_m", "points", "plan")
    list_filter = ("day",)
    filter_horizontal = ("villages", "grids")

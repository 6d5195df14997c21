from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from geo.widgets import OfflineMapWidget

from .models import (
    Category,
    Issue,
    IssueEvent,
    PatrolPlan,
    PatrolStop,
    Photo,
    ReinspectionSample,
    Track,
    WeeklyTarget,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "campaign", "default_deadline_days", "icon", "sort")
    list_editable = ("name", "campaign", "default_deadline_days", "icon", "sort")


class EventInline(admin.TabularInline):
    model = IssueEvent
    fields = ("at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Issue)
class IssueAdmin(GISModelAdmin):
    """Read-mostly: changes go through the loop (the API and pages), so history stays complete."""

    gis_widget = OfflineMapWidget
    list_display = ("id", "category", "status", "town", "village", "deadline", "red_supervision", "reported_at")
    list_filter = ("status", "category", "source", "red_supervision", "town")
    search_fields = ("id", "description", "village__name")
    readonly_fields = ("town", "village", "grid", "status", "closed_at", "rebound_of", "client_uuid", "reporter",
                       "reported_at", "red_supervision", "supervised_at")
    list_select_related = ("category", "town", "village")
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssueEvent)
class IssueEventAdmin(admin.ModelAdmin):
    list_display = ("id", "issue", "action", "from_status", "to_status", "actor", "at")
    list_filter = ("action",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ("id", "issue", "kind", "width", "height", "gps_mismatch_m", "uploaded_at")


@admin.register(ReinspectionSample)
class ReinspectionSampleAdmin(admin.ModelAdmin):
    list_display = ("id", "month", "issue", "village", "result", "recorded_at")
    list_filter = ("month", "result")



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


@admin.register(WeeklyTarget)
class WeeklyTargetAdmin(admin.ModelAdmin):
    list_display = ("id", "village", "category", "per_week", "starts_on", "ends_on", "note")
    list_filter = ("category",)
    search_fields = ("village__name", "village__code")
    raw_id_fields = ("village",)
    exclude = ("created_by",)

    def save_model(self, request, obj, form, change):
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

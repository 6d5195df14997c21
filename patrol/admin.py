from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from geo.widgets import OfflineMapWidget

from .models import (
    Category,
    Issue,
    IssueEvent,
    Photo,
    ReinspectionSample,
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

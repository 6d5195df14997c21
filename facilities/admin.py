from django.contrib.gis import admin

from .models import Facility, Kind, Operator, Rating, WorkOrder


@admin.register(Kind)
class KindAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_toilet", "upkeep_days", "sort")


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "phone")


@admin.register(Facility)
class FacilityAdmin(admin.GISModelAdmin):
    list_display = ("code", "kind", "name", "village", "operator", "status", "problem_kind", "open_orders")
    list_filter = ("kind", "status", "problem_kind")
    search_fields = ("code", "name", "household")
    raw_id_fields = ("town", "village", "grid", "problem_issue")
    readonly_fields = ("open_orders",)


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("id", "facility", "need", "state", "reports", "reported_at", "deadline")
    list_filter = ("need", "state")
    raw_id_fields = ("facility", "issue", "reopen_of", "accepted_by", "done_by")


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("operator", "month", "level", "area_code", "score")

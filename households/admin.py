from django.contrib import admin

from core.recordadmin import RecordAdmin

from .models import BoardPublication, ExportLog, Good, Household, PointEntry, RuleItem, RuleSet


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("code", "village", "group", "address", "head", "members", "resident", "status", "balance")
    list_filter = ("status", "resident")
    search_fields = ("code", "address", "head")
    readonly_fields = ("balance",)
    raw_id_fields = ("village", "town", "grid")


class RuleItemInline(admin.TabularInline):
    model = RuleItem
    extra = 0


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "year", "board_n", "updated_at")
    inlines = [RuleItemInline]
    raw_id_fields = ("village",)


@admin.register(Good)
class GoodAdmin(admin.ModelAdmin):
    list_display = ("name", "village", "price", "stock", "active")
    raw_id_fields = ("village",)


ReadOnly = RecordAdmin


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnly):
    list_display = ("household", "kind", "name", "points", "month", "date", "actor")
    list_filter = ("kind",)


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnly):
    list_display = ("at", "user", "what", "rows", "params")


@admin.register(BoardPublication)
class BoardPublicationAdmin(ReadOnly):
    list_display = ("village", "quarter", "published_by", "published_at")

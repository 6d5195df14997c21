from django.contrib import admin

from core.recordadmin import RecordAdmin

from .models import Acceptance, Campaign, Phase, Quota, QuotaChange, Task, TaskProgress, TaskTarget


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0
    readonly_fields = ("valid_from", "valid_until")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "start", "end")
    inlines = [PhaseInline, QuotaInline]
    readonly_fields = ("created_by", "created_at")


@admin.register(QuotaChange)
class QuotaChangeAdmin(RecordAdmin):
    list_display = ("campaign", "actor", "at", "effective_from")


@admin.register(Acceptance)
class AcceptanceAdmin(RecordAdmin):
    list_display = ("campaign", "village", "result", "recorded_by", "recorded_at")


class TargetInline(admin.TabularInline):
    model = TaskTarget
    extra = 0


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("name", "year", "level", "unit", "office", "person")
    list_filter = ("year", "level")
    inlines = [TargetInline]
    readonly_fields = ("created_by", "created_at")


@admin.register(TaskProgress)
class TaskProgressAdmin(RecordAdmin):
    """Reports are append-only (a database trigger refuses changes): a past month's light never moves."""

    list_display = ("task", "area", "value", "date", "entered_by", "entered_at")

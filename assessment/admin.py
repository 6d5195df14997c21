from django.contrib import admin

from .models import WeeklyTarget


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

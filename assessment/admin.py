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


# --- schemes, scorecards and the year end --------------------------------------------------------------------

from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.contrib.admin.helpers import ActionForm  # noqa: E402

from core.recordadmin import RecordAdmin  # noqa: E402

from . import schemes  # noqa: E402
from .models import (  # noqa: E402
    Adjustment,
    CityCheck,
    CityCheckScore,
    EvaluatedVillage,
    Interview,
    MonthClose,
    MonthCloseLog,
    SchemeSetting,
    Scorecard,
    ScorecardItem,
    UpkeepFund,
)


class SchemeSettingForm(forms.ModelForm):
    scheme = forms.ChoiceField(label="考核方案", choices=[(n, f"{n} — {s.title}") for n, s in schemes.SCHEMES.items()])

    class Meta:
        model = SchemeSetting
        fields = ("area_code", "scheme", "parameters")

    def clean(self):
        data = super().clean()
        from geo.models import District, Town

        code = data.get("area_code") or ""
        if code and not (District.objects.filter(code=code).exists() or Town.objects.filter(code=code).exists()):
            self.add_error("area_code", "区或街镇不存在")
        scheme = schemes.SCHEMES.get(data.get("scheme"))
        params = data.get("parameters") or {}
        if scheme is not None:
            if not isinstance(params, dict):
                self.add_error("parameters", "参数应为 JSON 对象")
                return data
            try:
                data["parameters"] = {k: scheme.parse(k, v) for k, v in params.items()}
            except ValueError as exc:
                self.add_error("parameters", str(exc))
        return data


@admin.register(SchemeSetting)
class SchemeSettingAdmin(admin.ModelAdmin):
    form = SchemeSettingForm
    list_display = ("area_code", "scheme", "parameters", "updated_at")

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["parameters"].help_text = "；".join(
            f"{n}: {s.parameters}" for n, s in schemes.SCHEMES.items() if n != "standard")
        return form


@admin.register(ScorecardItem)
class ScorecardItemAdmin(admin.ModelAdmin):
    list_display = ("scheme", "position", "key", "name", "max_points", "guidance")
    list_filter = ("scheme",)
    list_editable = ("position", "name", "max_points", "guidance")


@admin.register(Scorecard)
class ScorecardAdmin(RecordAdmin):
    list_display = ("id", "month", "village", "assessor", "scheme", "total", "current", "created_at")
    list_filter = ("scheme", "current", "month")
    search_fields = ("village__name", "village__code")


class ReopenForm(ActionForm):
    note = forms.CharField(label="重新打开的理由", max_length=300, required=False)


@admin.register(MonthClose)
class MonthCloseAdmin(RecordAdmin):
    """Read-only: a month is closed by assess_month and reopened by its own logged action (the service)."""

    list_display = ("month", "district", "closed", "closed_at")
    actions = ["reopen"]
    action_form = ReopenForm

    def has_reopen_permission(self, request):
        return request.user.has_perm("assessment.change_monthclose")

    @admin.action(description="重新打开所选月份（记录在关账记录中）", permissions=["reopen"])
    def reopen(self, request, queryset):
        from core.errors import DomainError

        from . import services

        note = request.POST.get("note", "")
        done = []
        for row in queryset.filter(closed=True).order_by("month", "district"):
            try:
                services.reopen_month(request.user, row.month, note=note, district=row.district)
            except DomainError as exc:
                messages.error(request, f"{row.district} {row.month:%Y-%m}：{exc}")
                return
            done.append(f"{row.district} {row.month:%Y-%m}")
        messages.info(request, f"已重新打开：{'、'.join(done)}" if done else "所选月份均未关账")


@admin.register(MonthCloseLog)
class MonthCloseLogAdmin(RecordAdmin):
    list_display = ("at", "month", "district", "action", "by", "note")


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ("month", "village", "kind", "held_on", "held_by", "note")
    raw_id_fields = ("village",)
    exclude = ("recorded_by",)

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class EnteredBy(admin.ModelAdmin):
    raw_id_fields = ("village",)
    exclude = ("entered_by",)

    def save_model(self, request, obj, form, change):
        if not obj.entered_by_id:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(EvaluatedVillage)
class EvaluatedVillageAdmin(EnteredBy):
    list_display = ("year", "village")
    list_filter = ("year",)


@admin.register(Adjustment)
class AdjustmentAdmin(EnteredBy):
    list_display = ("year", "village", "kind", "points", "reason", "month")
    list_filter = ("year", "kind")


@admin.register(UpkeepFund)
class UpkeepFundAdmin(EnteredBy):
    list_display = ("year", "village", "amount", "withheld", "note")
    list_filter = ("year", "withheld")


class CityCheckScoreInline(admin.TabularInline):
    model = CityCheckScore
    raw_id_fields = ("village",)
    extra = 3


@admin.register(CityCheck)
class CityCheckAdmin(admin.ModelAdmin):
    list_display = ("name", "checked_on", "city_average")
    inlines = [CityCheckScoreInline]

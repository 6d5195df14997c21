from django import forms
from django.contrib import admin, messages
from django.contrib.gis.admin import GISModelAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.errors import DomainError
from core.recordadmin import RecordAdmin
from geo.widgets import OfflineMapWidget

from . import services
from .models import (
    Category,
    Issue,
    IssueEvent,
    Photo,
    ReinspectionSample,
    Source,
)


class CorrectForm(forms.Form):
    """A correction of a problem's recorded fields: what changes and why (patrol.services.correct_issue)."""

    category = forms.ModelChoiceField(Category.objects.all(), label="类别")
    source = forms.ChoiceField(choices=Source.choices, label="来源")
    lon = forms.FloatField(label="经度（WGS-84）")
    lat = forms.FloatField(label="纬度（WGS-84）")
    deadline = forms.DateField(label="整改期限", required=False)
    assignee = forms.CharField(label="责任单位", max_length=100, required=False)
    description = forms.CharField(label="描述", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    reason = forms.CharField(label="更正原因", widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def initial_for(cls, issue):
        return {"category": issue.category_id, "source": issue.source, "lon": issue.location.x,
                "lat": issue.location.y, "deadline": issue.deadline, "assignee": issue.assignee,
                "description": issue.description}

    def changes(self):
        d, out = self.cleaned_data, {}
        for name in ("category", "source", "deadline", "assignee", "description"):
            if name in self.changed_data:
                out[name] = d[name].pk if name == "category" else d[name]
        if "lon" in self.changed_data or "lat" in self.changed_data:
            out["location"] = (d["lon"], d["lat"])
        return out


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
    """Read-only: the loop changes problems (the API and pages); a wrong field is fixed with the "correct"
    action, which goes through patrol.services and leaves an event, so history stays complete."""

    gis_widget = OfflineMapWidget
    list_display = ("id", "category", "status", "town", "village", "deadline", "red_supervision", "reported_at")
    list_filter = ("status", "category", "source", "red_supervision", "town")
    search_fields = ("id", "description", "village__name")
    list_select_related = ("category", "town", "village")
    inlines = [EventInline]
    actions = ["correct_selected"]

    def has_correct_permission(self, request, obj=None):
        """The 更正 action is a change of the problem's recorded fields: it needs that permission (change_issue),
        not merely the right to look at problems."""
        return request.user.has_perm("patrol.change_issue")

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in Issue._meta.fields]
        return (["correct_link"] + fields) if self.has_correct_permission(request) else fields

    @admin.display(description="更正")
    def correct_link(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        return format_html('<a class="button" href="{}">更正字段（记录原因）</a>',
                           reverse("admin:patrol_issue_correct", args=[obj.pk]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="更正所选问题（逐个）", permissions=["correct"])
    def correct_selected(self, request, queryset):
        first = queryset.order_by("pk").first()
        if first is not None:
            return redirect("admin:patrol_issue_correct", first.pk)

    def get_urls(self):
        urls = [path("<int:pk>/correct/", self.admin_site.admin_view(self.correct_view),
                     name="patrol_issue_correct")]
        return urls + super().get_urls()

    def correct_view(self, request, pk):
        issue = get_object_or_404(Issue, pk=pk)
        if not self.has_correct_permission(request, issue):
            raise PermissionDenied("您没有更正问题的权限")
        form = CorrectForm(request.POST or None, initial=CorrectForm.initial_for(issue))
        if request.method == "POST" and form.is_valid():
            try:
                event = services.correct_issue(request.user, issue.pk, reason=form.cleaned_data["reason"],
                                               **form.changes())
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已更正：{', '.join(event.data['fields'])}（处置记录 #{event.pk}）")
                return redirect("admin:patrol_issue_change", issue.pk)
        context = {**self.admin_site.each_context(request), "title": f"更正问题 #{issue.pk}", "form": form,
                   "issue": issue, "opts": self.model._meta}
        return TemplateResponse(request, "admin/patrol/issue_correct.html", context)


@admin.register(IssueEvent)
class IssueEventAdmin(RecordAdmin):
    list_display = ("id", "issue", "action", "from_status", "to_status", "actor", "at")
    list_filter = ("action",)


@admin.register(Photo)
class PhotoAdmin(RecordAdmin):
    """Evidence: a problem's photo stays with its problem (the database refuses moving or removing it)."""

    list_display = ("id", "issue", "kind", "width", "height", "gps_mismatch_m", "uploaded_at")


@admin.register(ReinspectionSample)
class ReinspectionSampleAdmin(admin.ModelAdmin):
    list_display = ("id", "month", "issue", "village", "result", "recorded_at")
    list_filter = ("month", "result")

import django_filters
from django.db.models import Q
from django.utils import timezone

from core import inputs
from geo.api import parse_bbox

from .models import Issue, Light, Source, Status


class CheckedDateTimeFilter(django_filters.DateTimeFilter):
    """A moment whose year core.inputs accepts (year 1 or 9999 overflows the time-zone conversion)."""

    def filter(self, qs, value):
        if value:
            inputs.day(value.date(), self.field_name.replace("reported_at", self.lookup_expr == "gte"
                                                             and "reported_after" or "reported_before"))
        return super().filter(qs, value)


class IssueFilter(django_filters.FilterSet):
    # Columns of the problem itself: no join, so no DISTINCT (django-filter's default for a multiple choice), which
    # made PostgreSQL sort every matching row with all its columns before the page's LIMIT.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    category = django_filters.CharFilter(field_name="category_id")
    source = django_filters.MultipleChoiceFilter(choices=Source.choices, distinct=False)
    town = django_filters.CharFilter(field_name="town_id")
    village = django_filters.CharFilter(field_name="village_id")
    grid = django_filters.CharFilter(field_name="grid_id")
    light = django_filters.ChoiceFilter(choices=Light.choices, method="filter_light")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    rebound = django_filters.BooleanFilter(field_name="rebound_of", lookup_expr="isnull", exclude=True)
    red_supervision = django_filters.BooleanFilter()
    reported_after = CheckedDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = CheckedDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    bbox = django_filters.CharFilter(method="filter_bbox")
    mine = django_filters.BooleanFilter(
        method="filter_mine", label="我上报的", widget=django_filters.widgets.BooleanWidget
    )

    class Meta:
        model = Issue
        fields = []

    def filter_light(self, queryset, name, value):
        return queryset.light(value, timezone.localdate())

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.overdue(today) if value else queryset.exclude(~Q(status="closed") & Q(deadline__lt=today))

    def filter_bbox(self, queryset, name, value):
        return queryset.in_bbox(parse_bbox(value))

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none() if value else queryset
        return queryset.filter(reporter=user) if value else queryset.exclude(reporter=user)

"""Request shapes (validated here, so bad input is a 400 naming the field) and small response shapes."""
import math
from datetime import UTC

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import inputs
from core.errors import BadInput
from core.inputs import FiniteFloatField, LonLatField
from core.photo_flags import CODES, public_flags
from geo import scope

from .models import Category, IssueEvent, Photo, ReinspectionSample, Source


def finite_point(point):
    """[lon, lat] of a stored point, None when absent or not finite (a row poisoned before validation)."""
    if point is None or not (math.isfinite(point.x) and math.isfinite(point.y)):
        return None
    return [point.x, point.y]


def checked(parse, value, field):
    """A core.inputs check inside a serializer: its BadInput becomes the field's validation error."""
    try:
        return parse(value, field)
    except BadInput as exc:
        raise serializers.ValidationError(exc.detail) from None


class CategorySerializer(serializers.ModelSerializer):
    campaign_source = serializers.CharField(read_only=True, help_text="净 分组的来源：工作方案 000 或项目默认")

    class Meta:
        model = Category
        fields = ("code", "name", "campaign", "campaign_source", "default_deadline_days", "icon")


def _fresh(field):
    """An unbound copy of a declared field for one serializer instance: a shallow copy (the declared field's
    arguments, choices and validators are shared, never changed), with its own list child and, for a nested
    serializer, its own fields made afresh when first used."""
    fresh = object.__new__(type(field))  # copy.copy without its pickling protocol (a third of the time)
    fresh.__dict__.update(field.__dict__)
    fresh.__dict__.pop("fields", None)  # a nested serializer's cached fields belong to the original
    if isinstance(fresh, serializers.ListField):
        fresh.child = _fresh(field.child)  # already bound (name, source) by the ListField; only its parent differs
        fresh.child.parent = fresh
    return fresh


class ReportSerializer(serializers.Serializer):
    """A serializer whose fields are shallow copies instead of deep copies: every report validates a
    ReportFeature, and DRF's deep copy of its declared fields (choices included) was half of the validation's
    time; making them anew from their arguments still cost a third of a millisecond. Only for serializers whose
    field arguments are never changed after declaration, as here."""

    def get_fields(self):
        return {name: _fresh(field) for name, field in self._declared_fields.items()}


class PointGeometry(ReportSerializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(child=FiniteFloatField(), min_length=2, max_length=3)

    def validate_coordinates(self, value):
        west, south, east, north = inputs.CHINA_BOUNDS
        if not (west <= value[0] <= east and south <= value[1] <= north):
            raise serializers.ValidationError("坐标应为 [经度, 纬度]，且在中国境内")
        return value


class ReportProperties(ReportSerializer):
    category = serializers.CharField(help_text="类别代码或中文名")
    description = serializers.CharField(allow_blank=True, default="", max_length=2000)
    source = serializers.ChoiceField(choices=Source.choices, default=Source.DISTRICT_PATROL)
    client_uuid = serializers.UUIDField(help_text="客户端生成的 UUID；重试时不变，保证不重复")
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02", "bd09"], default="wgs84")
    accuracy_m = FiniteFloatField(required=False, allow_null=True, min_value=0, max_value=100_000)
    extent = serializers.JSONField(required=False, allow_null=True, help_text="GeoJSON 面或线（黑臭水体范围）")
    campaign = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text="专项行动编号（可选）")


class ReportFeature(ReportSerializer):
    type = serializers.ChoiceField(choices=["Feature"])
    geometry = PointGeometry()
    properties = ReportProperties()


class TransitionRequest(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["assign", "submit", "verify", "reject", "reopen", "supervise", "release"]
    )
    note = serializers.CharField(allow_blank=True, default="", max_length=2000)
    deadline = serializers.DateField(required=False, allow_null=True)
    assignee = serializers.CharField(allow_blank=True, default="", max_length=100)
    location = LonLatField(required=False, help_text="操作人所在位置 [经度, 纬度]（WGS-84，中国境内）")
    cite_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=["same_photo", "same_as_before", "taken_before_assignment",
                                               "far_from_problem", "no_camera_data", "unchecked"]),
        required=False, max_length=6, help_text="reject: the photo checks' flags the rejection cites")

    def validate_deadline(self, value):
        return value and checked(inputs.day, value, "deadline")


class DemolishedRequest(serializers.Serializer):
    """A structure already demolished, recorded as done (plan 002): where, what, and the before and after photos."""

    lon = serializers.FloatField(help_text="经度（WGS-84）")
    lat = serializers.FloatField(help_text="纬度（WGS-84）")
    category = serializers.CharField(max_length=30, help_text="拆除类问题类别代码")
    client_uuid = serializers.UUIDField()
    description = serializers.CharField(allow_blank=True, default="", max_length=2000)
    note = serializers.CharField(allow_blank=True, default="", max_length=2000)
    before = serializers.FileField()
    after = serializers.FileField()


class PhotoUpload(serializers.Serializer):
    image = serializers.FileField()
    kind = serializers.ChoiceField(choices=Photo.Kind.choices)
    source = serializers.ChoiceField(choices=[("app", "手机端"), ("web", "网页")], required=False, default="web",
                                     help_text="app: sent by the phone app (a photo without any EXIF is flagged)")


class PhotoFlagMatch(serializers.Serializer):
    issue = serializers.IntegerField(allow_null=True)
    village = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True)
    photo = serializers.IntegerField(required=False, help_text="the matching photo, when the caller may see it")
    area = serializers.CharField(required=False, help_text="its town's code, when it lies outside the caller's area")


class PhotoFlag(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(CODES.items()))
    detail = serializers.CharField()
    match = PhotoFlagMatch(allow_null=True)


def photo_flags_for(user, flags):
    """A photo's stored flags as this user may read them (a match outside their area named by its town only)."""
    area = scope.of(user)
    return public_flags(flags, lambda town, village, grid: scope.covers_place(area, town, village, grid))


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    exif_location = serializers.SerializerMethodField()
    gps_flag = serializers.BooleanField(read_only=True)
    phash = serializers.CharField(read_only=True, allow_null=True, help_text="pHash, 16 hex digits")
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ("id", "issue", "kind", "url", "content_type", "width", "height", "exif_location", "exif_time",
                  "gps_mismatch_m", "gps_flag", "uploaded_at", "phash", "flags")
        read_only_fields = ("uploaded_at",)  # set by the server when the photo comes in

    @extend_schema_field(PhotoFlag(many=True))
    def get_flags(self, photo):
        request = self.context.get("request")
        return photo_flags_for(request.user if request else None, photo.flags)

    def get_url(self, photo):
        return reverse("patrol:photo-image", args=[photo.pk])

    def get_exif_location(self, photo):
        return finite_point(photo.exif_location)


class FlaggedPhotoSerializer(PhotoSerializer):
    village = serializers.CharField(source="issue.village_id", allow_null=True)
    town = serializers.CharField(source="issue.town_id")

    class Meta(PhotoSerializer.Meta):
        fields = (*PhotoSerializer.Meta.fields, "village", "town")


class EventSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(default_timezone=UTC, help_text="UTC")
    actor = serializers.CharField(source="actor.username", default=None)
    actor_name = serializers.SerializerMethodField()
    action_label = serializers.CharField(source="get_action_display")
    location = serializers.SerializerMethodField()
    photo = serializers.SerializerMethodField()

    class Meta:
        model = IssueEvent
        fields = ("id", "action", "action_label", "from_status", "to_status", "actor", "actor_name", "at", "note",
                  "photo", "location", "data")

    def get_actor_name(self, event):
        return (event.actor.first_name or event.actor.username) if event.actor else "系统"

    def get_location(self, event):
        # A non-finite location stored before core.inputs refused it reads as none (see patrol.repair).
        return finite_point(event.location)

    def get_photo(self, event):
        return reverse("patrol:photo-image", args=[event.photo_id]) if event.photo_id else None


class ReinspectionSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="issue.category_id")
    location = serializers.SerializerMethodField()

    class Meta:
        model = ReinspectionSample
        fields = ("id", "month", "campaign", "issue", "village", "category", "location", "result", "recorded_at",
                  "note")

    def get_location(self, sample):
        return [sample.issue.location.x, sample.issue.location.y]


class ReinspectionRecord(serializers.Serializer):
    result = serializers.ChoiceField(choices=ReinspectionSample.Result.choices)
    note = serializers.CharField(allow_blank=True, default="", max_length=2000)
    location = LonLatField(required=False)
